import { describe, expect, it } from 'vitest';
import { locateFunctions } from './index.js';

const source = `
export function area(r: number): number { return helper(r) * r; }
const helper = (x: number) => Math.PI * x;
export class Shape {
  static create(): Shape { return new Shape(); }
  get size() { return 1; }
  set size(v: number) {}
  onClick = () => this.size;
  describe() { return [1].map(function inner(n) { return n; }).map((n) => n); }
}
export class Circle extends Shape {
  constructor(public r: number) { super(); }
  async *ticks() { yield 1; }
}
export const api = { run() { return 1; }, go: async () => 2 };
export default function () {}
function overload(a: string): string;
function overload(a: any) { return a; }
`;

describe('locateFunctions', () => {
  it('names every kind of function and gives stable unique ids', () => {
    const fns = locateFunctions(source, 'src/shapes.ts');
    expect(fns.map((f) => `${f.line}:${f.column}:${f.name}:${f.kind}`)).toEqual([
      '2:8:area:declaration',
      '3:16:helper:arrow',
      '5:3:Shape.create:method',
      '6:3:Shape#get:size:getter',
      '7:3:Shape#set:size:setter',
      '8:13:Shape#onClick:class-field',
      '9:3:Shape#describe:method',
      '9:31:Shape#describe/inner:expression',
      '9:68:Shape#describe/<anonymous>:arrow',
      '12:3:Circle#constructor:constructor',
      '13:3:Circle#ticks:method',
      '15:22:api.run:object-method',
      '15:47:api.go:object-method',
      '16:16:default:declaration',
      '18:1:overload:declaration',
    ]);
    const ids = fns.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(fns[0]!.id).toBe('src/shapes.ts:2:8:area');
    const ticks = fns.find((f) => f.name === 'Circle#ticks')!;
    expect(ticks.async && ticks.generator).toBe(true);
    expect(fns.find((f) => f.name === 'helper')!.expressionBody).toBe(true);
    expect(fns.find((f) => f.name === 'Shape.create')!.static).toBe(true);
  });

  it('gives offsets that cut out exactly the body', () => {
    const fns = locateFunctions(source, 'src/shapes.ts');
    const area = fns[0]!;
    expect(source.slice(area.bodyStart, area.bodyEnd)).toBe('{ return helper(r) * r; }');
  });
});
