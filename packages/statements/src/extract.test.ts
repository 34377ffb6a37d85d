import { locateFunctions } from '@swe-flow/skeleton';
import { describe, expect, it } from 'vitest';
import { buildStatementInput, extractTestSource, findLeak, publicTextOf, writeOfflineStatement } from './index.js';

const shapes = `import { round } from './util.js';

export class Circle {
  constructor(public radius: number) {}

  /** The area, rounded to 3 decimals. */
  area(): number {
    return round(Math.PI * this.radius * this.radius, 3);
  }
}

/**
 * Sum of areas.
 */
export const totalArea = (shapes: Circle[]): number => shapes.reduce((s, c) => s + c.area(), 0);

export function scale(c: Circle, k = 2) {
  return new Circle(c.radius * k);
}
`;

const shapesTest = `import { describe, it, expect } from 'vitest';
import { Circle, totalArea, scale } from '../src/shapes.js';

const unit = () => new Circle(1);

describe('Circle', () => {
  describe('area', () => {
    it('of the unit circle', () => {
      expect(unit().area()).toBe(3.142);
    });
    it.each([[2, 12.566], [3, 28.274]])('of radius %i is %d', (r, a) => {
      expect(new Circle(r).area()).toBe(a);
    });
  });
  it('sums', () => {
    expect(totalArea([unit(), unit()])).toBe(6.284);
  });
});

test('scale doubles by default', () => {
  expect(scale(unit()).radius).toBe(2);
});
`;

describe('extractTestSource', () => {
  it('finds a test by its title path, including parametrised titles', () => {
    expect(extractTestSource(shapesTest, 'test/shapes.test.ts', ['Circle', 'area', 'of the unit circle'])).toEqual({
      source: "it('of the unit circle', () => {\n      expect(unit().area()).toBe(3.142);\n    })",
      describe: 'Circle > area',
    });
    expect(extractTestSource(shapesTest, 'test/shapes.test.ts', ['Circle', 'area', 'of radius 3 is 28.274'])?.source).toMatch(/^it\.each/);
    expect(extractTestSource(shapesTest, 'test/shapes.test.ts', ['scale doubles by default'])).toEqual({
      source: "test('scale doubles by default', () => {\n  expect(scale(unit()).radius).toBe(2);\n})",
    });
    expect(extractTestSource(shapesTest, 'test/shapes.test.ts', ['Circle', 'nope'])).toBeUndefined();
  });

  it('finds node:test subtests', () => {
    const src = "test('outer', async (t) => {\n  await t.test('inner', () => { assert.equal(f(), 1); });\n});";
    expect(extractTestSource(src, 't.test.mjs', ['outer', 'inner'])?.source).toBe("t.test('inner', () => { assert.equal(f(), 1); })");
  });
});

describe('buildStatementInput', () => {
  const fns = locateFunctions(shapes, 'src/shapes.ts').filter((f) => ['Circle#area', 'totalArea', 'scale'].includes(f.name));
  const input = buildStatementInput({
    repo: 'acme/shapes',
    step: 1,
    functions: fns,
    tests: [
      { id: 'test/shapes.test.ts > Circle > area > of the unit circle', file: 'test/shapes.test.ts', titlePath: ['Circle', 'area', 'of the unit circle'] },
      { id: 'test/shapes.test.ts > Circle > sums', file: 'test/shapes.test.ts', titlePath: ['Circle', 'sums'] },
    ],
    passToPass: [],
    sources: { 'src/shapes.ts': shapes, 'test/shapes.test.ts': shapesTest },
  });

  it('keeps signatures and JSDoc, and the bodies only as reference bodies', () => {
    expect(input.functions.map((f) => [f.name, f.signature, f.jsdoc])).toEqual([
      ['Circle#area', 'area(): number', '/** The area, rounded to 3 decimals. */'],
      ['totalArea', 'export const totalArea = (shapes: Circle[]): number =>', '/**\n * Sum of areas.\n */'],
      ['scale', 'export function scale(c: Circle, k = 2)', undefined],
    ]);
    expect(input.referenceBodies).toEqual([
      '{\n    return round(Math.PI * this.radius * this.radius, 3);\n  }',
      'shapes.reduce((s, c) => s + c.area(), 0)',
      '{\n  return new Circle(c.radius * k);\n}',
    ]);
    expect(input.helpers).toEqual([{ file: 'test/shapes.test.ts', source: 'const unit = () => new Circle(1);' }]);
    expect(input.tests[1]).toMatchObject({ describe: 'Circle', source: expect.stringContaining('totalArea([unit(), unit()])') });
    expect(input.passToPass).toBeUndefined();
  });

  it('feeds the offline writer, which shows no body', () => {
    const statement = writeOfflineStatement(input);
    expect(statement).toContain('calling `totalArea([unit(), unit()])` returns `6.284`');
    expect(statement).toContain('/** The area, rounded to 3 decimals. */');
    expect(findLeak(statement, input.referenceBodies!, { publicText: publicTextOf(input), ngram: 5 })).toBeNull();
  });
});
