import type { StatementInput } from '../src/index.js';

/** Hand-made statement inputs, one per test style. Reference bodies are here only for the leak check. */

export const CIRCLE_AREA_BODY = `{
    // area of a circle
    return Math.PI * this.radius * this.radius;
  }`;

export const CIRCLE_CREATE_BODY = `{
    if (!Number.isFinite(radius) || radius < 0) throw new RangeError('radius must be a non-negative finite number');
    return new Circle(radius);
  }`;

export const shapesVitest: StatementInput = {
  repo: 'acme/shapes',
  step: 2,
  instanceId: 'acme__shapes-isolated-2',
  functions: [
    {
      id: 'src/shapes.ts:8:3:Circle#area',
      file: 'src/shapes.ts',
      name: 'Circle#area',
      kind: 'method',
      signature: 'area(): number',
      async: false,
      generator: false,
    },
    {
      id: 'src/shapes.ts:14:3:Circle.create',
      file: 'src/shapes.ts',
      name: 'Circle.create',
      kind: 'method',
      signature: 'static create(radius: number): Circle',
      jsdoc: '/**\n * Makes a circle of the given radius.\n * @throws RangeError for negative or non-finite radii\n */',
      async: false,
      generator: false,
    },
  ],
  tests: [
    {
      id: 'test/shapes.test.ts > Circle > area > is pi r squared',
      file: 'test/shapes.test.ts',
      titlePath: ['Circle', 'area', 'is pi r squared'],
      source: `it('is pi r squared', () => {
    const c = Circle.create(2);
    expect(c.area()).toBeCloseTo(12.566, 3);
    expect(Circle.create(0).area()).toBe(0);
    for (const [r, want] of [[1, Math.PI], [3, 9 * Math.PI]]) {
      expect(Circle.create(r).area()).toBeCloseTo(want);
    }
  })`,
    },
    {
      id: 'test/shapes.test.ts > Circle > create > rejects bad radii',
      file: 'test/shapes.test.ts',
      titlePath: ['Circle', 'create', 'rejects bad radii'],
      source: `it('rejects bad radii', () => {
    expect(() => Circle.create(-1)).toThrow(RangeError);
    expect(() => Circle.create(Number.NaN)).toThrow('radius must be a non-negative finite number');
    expect(() => Circle.create(1)).not.toThrow();
    expect(Circle.create(1)).toBeInstanceOf(Circle);
    expect(Circle.create(1)).toEqual({ radius: 1 });
  })`,
    },
    {
      id: 'test/shapes.test.ts > Circle > create > loads asynchronously',
      file: 'test/shapes.test.ts',
      titlePath: ['Circle', 'create', 'loads asynchronously'],
      source: `it('loads asynchronously', async () => {
    const loaded = await loadCircle('{"radius": 2}');
    expect(loaded.radius).toBe(2);
    await expect(loadCircle('nope')).rejects.toThrow(/JSON/);
    await expect(loadCircle('{"radius": 1}')).resolves.toMatchObject({ radius: 1 });
    expect(await loadCircle('{"radius": 3}')).not.toBeNull();
  })`,
    },
  ],
  helpers: [{ file: 'test/helpers.ts', source: 'export const loadCircle = async (json: string) => Circle.create(JSON.parse(json).radius);' }],
  passToPass: ['test/shapes.test.ts > Square > area > is side squared'],
  referenceBodies: [CIRCLE_AREA_BODY, CIRCLE_CREATE_BODY],
};

export const slugMocha: StatementInput = {
  repo: 'acme/slugger',
  step: 1,
  functions: [
    {
      id: 'lib/slug.js:3:1:slugify',
      file: 'lib/slug.js',
      name: 'slugify',
      kind: 'declaration',
      signature: 'function slugify(text, { separator = "-", lower = true } = {})',
      async: false,
      generator: false,
    },
    {
      id: 'lib/slug.js:20:1:tokens',
      file: 'lib/slug.js',
      name: 'tokens',
      kind: 'declaration',
      signature: 'function* tokens(text)',
      async: false,
      generator: true,
    },
  ],
  tests: [
    {
      id: 'test/slug.test.js > slugify > joins words',
      file: 'test/slug.test.js',
      titlePath: ['slugify', 'joins words'],
      source: `it('joins words', function () {
    assert.strictEqual(slugify('Hello World'), 'hello-world');
    assert.equal(slugify('A  B', { separator: '_' }), 'a_b', 'custom separator');
    assert.deepStrictEqual([...tokens('a b')], ['a', 'b']);
    assert.notStrictEqual(slugify('X', { lower: false }), 'x');
    assert.ok(slugify('').length === 0);
    assert.throws(() => slugify(42), TypeError);
    assert.match(slugify('Ünïcödé'), /^[a-z-]+$/);
  })`,
    },
    {
      id: 'test/slug.test.js > slugify > chai style',
      file: 'test/slug.test.js',
      titlePath: ['slugify', 'chai style'],
      source: `it('chai style', () => {
    expect(slugify('A B')).to.equal('a-b');
    expect(slugify('A B', { separator: '+' })).to.deep.equal('a+b');
    expect([...tokens('x y z')]).to.have.lengthOf(3);
    expect(slugify('ok')).to.be.a('string');
    expect(() => slugify(null)).to.throw(TypeError);
    expect(slugify('')).to.be.empty;
  })`,
    },
  ],
};

export const queueAva: StatementInput = {
  repo: 'acme/tiny-queue',
  step: 4,
  functions: [
    {
      id: 'src/queue.ts:12:3:Queue#drain',
      file: 'src/queue.ts',
      name: 'Queue#drain',
      kind: 'method',
      signature: 'async drain(): Promise<number>',
      async: true,
      generator: false,
    },
  ],
  tests: [
    {
      id: 'test/queue.test.ts > drain runs every job',
      file: 'test/queue.test.ts',
      titlePath: ['drain runs every job'],
      source: `test('drain runs every job', async (t) => {
    const q = new Queue();
    q.push(async () => 1);
    q.push(async () => 2);
    t.is(await q.drain(), 2);
    t.deepEqual(q.pending, []);
    await t.throwsAsync(() => new Queue({ failFast: true }).push(boom).drain(), { message: 'boom' });
    t.true(q.idle);
  })`,
    },
    {
      id: 'test/queue.test.ts > drain on an empty queue',
      file: 'test/queue.test.ts',
      titlePath: ['drain on an empty queue'],
      source: `test('drain on an empty queue', async () => {
    await new Queue().drain();
  })`,
    },
    {
      id: 'test/queue.test.ts > unparsable',
      file: 'test/queue.test.ts',
      titlePath: ['unparsable'],
      source: `test('unparsable', () => { expect(1).toBe( })`,
    },
  ],
  passToPass: Array.from({ length: 53 }, (_, i) => `test/queue.test.ts > push ${i + 1}`),
};
