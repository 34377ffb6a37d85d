import { describe, expect, it } from 'vitest';
import { insertDocComments, locateFunctions, parseSource, planDocComments, stubFunctions } from './index.js';

const FILE = 'src/svc.ts';
const SOURCE = `export function area(r: number) { return r * r; }
/** Already documented. */
export function documented() { return 1; }
export class Service {
    @logged
    run(job: string) {
        return [job].map((j) => j.trim());
    }
    onTick = () => 1;
}
const api = {
  go() { return 1; },
  stop: () => 0,
};
export default function () {}
let a = 1; function cramped() { return a; }
`;

function idOf(name: string, code = SOURCE, file = FILE): string {
  const fn = locateFunctions(code, file).find((f) => f.name === name);
  if (!fn) throw new Error(`no ${name}`);
  return fn.id;
}

describe('insertDocComments', () => {
  it('inserts JSDoc blocks before the declaring statement or member, indented like it', () => {
    const docs = {
      [idOf('area')]: 'Area of a square.\n\nThe side is `r`.',
      [idOf('Service#run')]: 'Runs a job; never returns */ early.',
      [idOf('Service#onTick')]: 'Ticks.',
      [idOf('api.go')]: 'Goes.',
      [idOf('api.stop')]: 'Stops.',
      [idOf('default')]: 'The default export.',
      [idOf('cramped')]: 'Shares a line.',
    };
    const out = insertDocComments(SOURCE, FILE, docs);
    expect(out).toBe(`/**
 * Area of a square.
 *
 * The side is \`r\`.
 */
export function area(r: number) { return r * r; }
/** Already documented. */
export function documented() { return 1; }
export class Service {
    /**
     * Runs a job; never returns *\\/ early.
     */
    @logged
    run(job: string) {
        return [job].map((j) => j.trim());
    }
    /**
     * Ticks.
     */
    onTick = () => 1;
}
const api = {
  /**
   * Goes.
   */
  go() { return 1; },
  /**
   * Stops.
   */
  stop: () => 0,
};
/**
 * The default export.
 */
export default function () {}
let a = 1; /** Shares a line. */ function cramped() { return a; }
`);
    // Still parses, and every function keeps its body text.
    const before = locateFunctions(SOURCE, FILE).map((f) => SOURCE.slice(f.bodyStart, f.bodyEnd));
    expect(locateFunctions(out, FILE).map((f) => out.slice(f.bodyStart, f.bodyEnd))).toEqual(before);
  });

  it('leaves documented functions and inline callbacks alone, and says so', () => {
    const plan = planDocComments(SOURCE, FILE, {
      [idOf('documented')]: 'Again.',
      [idOf('Service#run/<anonymous>')]: 'A callback.',
      [idOf('area')]: '   ',
      'src/svc.ts:90:1:ghost': 'Nothing.',
    });
    expect(plan.insertions).toEqual([]);
    expect(plan.skipped.map((s) => s.reason).sort()).toEqual(['empty', 'has-doc', 'inline', 'not-found']);
    expect(insertDocComments(SOURCE, FILE, { [idOf('documented')]: 'Again.' })).toBe(SOURCE);
  });

  it('keeps CRLF line endings and tab indentation', () => {
    const src = 'class A {\r\n\tm() {\r\n\t\treturn 1;\r\n\t}\r\n}\r\n';
    const out = insertDocComments(src, 'a.js', { [idOf('A#m', src, 'a.js')]: 'Line one.\nLine two.' });
    expect(out).toBe('class A {\r\n\t/**\r\n\t * Line one.\r\n\t * Line two.\r\n\t */\r\n\tm() {\r\n\t\treturn 1;\r\n\t}\r\n}\r\n');
  });

  it('combines with stubbing in one pass on the original offsets (ids stay those of the original)', () => {
    const plan = planDocComments(SOURCE, FILE, { [idOf('area')]: 'Area.', [idOf('Service#run')]: 'Runs.' });
    const reference = insertDocComments(SOURCE, FILE, { [idOf('area')]: 'Area.', [idOf('Service#run')]: 'Runs.' });
    const base = stubFunctions(SOURCE, FILE, [idOf('area'), idOf('Service#run')], { insertions: plan.insertions });
    expect(base.stubbed).toHaveLength(2);
    expect(base.stubbedByParent).toEqual([]);
    expect(base.code).toBe(
      reference
        .replace('{ return r * r; }', '{ throw new Error("Not implemented: area"); }')
        .replace(
          '{\n        return [job].map((j) => j.trim());\n    }',
          '{\n        throw new Error("Not implemented: Service#run");\n    }',
        ),
    );
    expect(() => parseSource(base.code, FILE)).not.toThrow();
  });
});
