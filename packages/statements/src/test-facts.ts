import * as t from '@babel/types';
import { parseSource } from '@swe-flow/skeleton';

/**
 * Reads a test's source (the `it()` / `test()` call) and turns what it does into plain sentences:
 * setup steps, actions and assertions, in order. Covers jest/vitest `expect`, chai `expect`/`assert`,
 * node:assert and ava's `t`. Unknown assertions are still reported, in a generic form.
 */

export type TestFact =
  | { kind: 'setup'; text: string; context?: string }
  | { kind: 'action'; text: string; context?: string }
  | { kind: 'assert'; text: string; context?: string };

export interface TestAnalysis {
  /** False when the source could not be parsed; `facts` is then empty. */
  parsed: boolean;
  facts: TestFact[];
  /** Every identifier and property name the test mentions (to match functions it exercises). */
  names: Set<string>;
}

const MAX_CODE = 160;

/** Inline code: one line, bounded length, backticks that cannot break out. */
export function code(text: string): string {
  let one = text.replace(/\s*\n\s*/g, ' ').trim();
  if (one.length > MAX_CODE) one = `${one.slice(0, MAX_CODE - 1)}…`;
  return one.includes('`') ? `\`\` ${one} \`\`` : `\`${one}\``;
}

interface Ctx {
  src: string;
  facts: TestFact[];
  context: string | undefined;
  /** Name of the ava / node:test context parameter (`t`), if the callback has one. */
  testParam: string | undefined;
}

function text(ctx: Ctx, node: t.Node): string {
  return ctx.src.slice(node.start ?? 0, node.end ?? 0);
}

function propName(node: t.MemberExpression | t.OptionalMemberExpression): string | undefined {
  if (!node.computed && t.isIdentifier(node.property)) return node.property.name;
  if (t.isStringLiteral(node.property)) return node.property.value;
  return undefined;
}

function unwrap(node: t.Node): t.Node {
  let cur = node;
  while (t.isTSAsExpression(cur) || t.isTSNonNullExpression(cur) || t.isParenthesizedExpression(cur) || t.isTSSatisfiesExpression(cur)) {
    cur = cur.expression;
  }
  return cur;
}

interface Subject {
  text: string;
  isCall: boolean;
  awaited: boolean;
}

function subjectOf(ctx: Ctx, node: t.Node): Subject {
  let cur = unwrap(node);
  let awaited = false;
  if (t.isAwaitExpression(cur)) {
    awaited = true;
    cur = unwrap(cur.argument);
  }
  const isCall = t.isCallExpression(cur) || t.isNewExpression(cur) || t.isOptionalCallExpression(cur);
  return { text: text(ctx, cur), isCall, awaited };
}

interface Thrower {
  text: string;
  /** A call (`f(-1)`) reads "calling …"; anything else (`t.value = 5`, a block) reads "evaluating …". */
  call: boolean;
}

function isCallNode(node: t.Node): boolean {
  return t.isCallExpression(node) || t.isNewExpression(node) || t.isOptionalCallExpression(node);
}

/** What a thrower function does: `() => f(-1)` → `f(-1)`; a plain reference `fn` → `fn()`. */
function throwerOf(ctx: Ctx, node: t.Node): Thrower {
  const fn = unwrap(node);
  const of = (n: t.Node): Thrower => {
    const inner = unwrap(t.isAwaitExpression(n) ? n.argument : n);
    return { text: text(ctx, inner), call: isCallNode(inner) };
  };
  if (t.isArrowFunctionExpression(fn) || t.isFunctionExpression(fn)) {
    const body = fn.body;
    if (!t.isBlockStatement(body)) return of(body);
    if (body.body.length === 1) {
      const only = body.body[0]!;
      if (t.isExpressionStatement(only)) return of(only.expression);
      if (t.isReturnStatement(only) && only.argument) return of(only.argument);
    }
    return { text: text(ctx, fn), call: true };
  }
  if (t.isIdentifier(fn) || t.isMemberExpression(fn)) return { text: `${text(ctx, fn)}()`, call: true };
  return of(fn);
}

function errorDetail(ctx: Ctx, arg: t.Node | undefined): string {
  if (!arg) return '';
  const node = unwrap(arg);
  if (t.isStringLiteral(node)) return ` whose message contains ${JSON.stringify(node.value)}`;
  if (t.isRegExpLiteral(node)) return ` whose message matches ${code(text(ctx, node))}`;
  if (t.isIdentifier(node) || t.isMemberExpression(node)) return ` of type ${code(text(ctx, node))}`;
  return ` matching ${code(text(ctx, node))}`;
}

function isSimpleLiteral(node: t.Node | undefined): boolean {
  if (!node) return false;
  const n = unwrap(node);
  return (
    t.isNumericLiteral(n) ||
    t.isStringLiteral(n) ||
    t.isBooleanLiteral(n) ||
    t.isNullLiteral(n) ||
    t.isBigIntLiteral(n) ||
    (t.isIdentifier(n) && (n.name === 'undefined' || n.name === 'NaN' || n.name === 'Infinity')) ||
    (t.isUnaryExpression(n) && n.operator === '-' && t.isNumericLiteral(n.argument)) ||
    (t.isTemplateLiteral(n) && n.expressions.length === 0)
  );
}

type Equality = 'same' | 'deep' | 'shape';

function equalitySentence(subject: Subject, expected: string, strength: Equality, negated: boolean): string {
  const value = code(expected);
  if (subject.isCall) {
    const verb = subject.awaited ? 'resolves to' : 'returns';
    const noVerb = subject.awaited ? 'does not resolve to' : 'does not return';
    const object =
      strength === 'same' ? value : strength === 'deep' ? `a value deeply equal to ${value}` : `an object that contains ${value}`;
    return `calling ${code(subject.text)} ${negated ? noVerb : verb} ${object}`;
  }
  const s = code(subject.text);
  if (strength === 'same') return `${s} ${negated ? 'is not' : 'is'} ${value}`;
  if (strength === 'deep') return `${s} ${negated ? 'does not deeply equal' : 'deeply equals'} ${value}`;
  return `${s} ${negated ? 'does not contain' : 'contains (at least)'} ${value}`;
}

function predicateSentence(subject: Subject, predicate: string, negPredicate: string, negated: boolean): string {
  const s = subject.isCall
    ? `the result of ${subject.awaited ? 'awaiting ' : 'calling '}${code(subject.text)}`
    : code(subject.text);
  return `${s} ${negated ? negPredicate : predicate}`;
}

function throwSentence(thrower: Thrower, detail: string, negated: boolean, async: boolean): string {
  const c = code(thrower.text);
  if (async) return negated ? `${c} does not reject` : `${c} returns a promise that rejects with an error${detail}`;
  const verb = thrower.call ? 'calling' : 'evaluating';
  return negated ? `${verb} ${c} does not throw` : `${verb} ${c} throws an error${detail}`;
}

/** What a matcher's sentence is made from. */
interface MatcherInput {
  ctx: Ctx;
  subject: Subject;
  args: t.Node[];
  /** The first argument and its text. */
  a0: t.Node | undefined;
  v0: string;
  negated: boolean;
  /** `subject <predicate>`, or with `negated`, `subject <negative>` (default: "is not ..."). */
  is: (predicate: string, negative?: string) => string;
}

/** Matcher names (jest/vitest, chai, node:assert, ava) and the sentence each gives. */
const MATCHERS: [string[], (m: MatcherInput) => string | undefined][] = [
  [['toBe', 'equal', 'equals', 'eq', 'strictEqual', 'is'], ({ subject, a0, v0, negated }) => a0 ? equalitySentence(subject, v0, 'same', negated) : undefined],
  [['toEqual', 'toStrictEqual', 'deepEqual', 'deepStrictEqual', 'eql', 'deepEquals'], ({ subject, a0, v0, negated }) => a0 ? equalitySentence(subject, v0, isSimpleLiteral(a0) ? 'same' : 'deep', negated) : undefined],
  [['toMatchObject', 'like', 'containSubset'], ({ subject, a0, v0, negated }) => a0 ? equalitySentence(subject, v0, 'shape', negated) : undefined],
  [['toBeTruthy', 'ok', 'truthy'], ({ is }) => is('is truthy', 'is falsy')],
  [['toBeFalsy', 'falsy', 'notOk'], ({ is }) => is('is falsy', 'is truthy')],
  [['toBeNull', 'null', 'isNull'], ({ is }) => is('is `null`')],
  [['toBeUndefined', 'undefined', 'isUndefined'], ({ is }) => is('is `undefined`')],
  [['toBeDefined', 'isDefined'], ({ is }) => is('is defined', 'is `undefined`')],
  [['toBeNaN', 'NaN'], ({ is }) => is('is `NaN`')],
  [['true', 'isTrue', 'toBeTrue'], ({ is }) => is('is `true`')],
  [['false', 'isFalse', 'toBeFalse'], ({ is }) => is('is `false`')],
  [['empty', 'isEmpty', 'toBeEmpty'], ({ is }) => is('is empty', 'is not empty')],
  [['toHaveLength', 'length', 'lengthOf'], ({ a0, v0, is }) => a0 ? is(`has length ${code(v0)}`, `does not have length ${code(v0)}`) : undefined],
  [['toContain', 'toContainEqual', 'include', 'includes', 'contain', 'contains'], ({ a0, v0, is }) => a0 ? is(`contains ${code(v0)}`, `does not contain ${code(v0)}`) : undefined],
  [['toMatch', 'match', 'regex'], ({ a0, v0, is }) => a0 ? is(`matches ${code(v0)}`, `does not match ${code(v0)}`) : undefined],
  [['toBeGreaterThan', 'above', 'gt', 'isAbove'], ({ a0, v0, is }) => a0 ? is(`is greater than ${code(v0)}`) : undefined],
  [['toBeGreaterThanOrEqual', 'least', 'gte', 'isAtLeast'], ({ a0, v0, is }) => a0 ? is(`is at least ${code(v0)}`) : undefined],
  [['toBeLessThan', 'below', 'lt', 'isBelow'], ({ a0, v0, is }) => a0 ? is(`is less than ${code(v0)}`) : undefined],
  [['toBeLessThanOrEqual', 'most', 'lte', 'isAtMost'], ({ a0, v0, is }) => a0 ? is(`is at most ${code(v0)}`) : undefined],
  [['toBeCloseTo', 'closeTo', 'approximately'], ({ a0, v0, is }) => a0 ? is(`is approximately ${code(v0)}`) : undefined],
  [['toBeInstanceOf', 'instanceOf', 'instanceof'], ({ a0, v0, is }) => a0 ? is(`is an instance of ${code(v0)}`) : undefined],
  [['toBeTypeOf', 'typeOf', 'a', 'an'], ({ a0, v0, is }) => a0 ? is(`is of type ${code(t.isStringLiteral(a0) ? a0.value : v0)}`) : undefined],
  [['toHaveProperty', 'property'], ({ ctx, args, a0, v0, is }) => {
    if (!a0) return undefined;
    const a1 = args[1];
    const withValue = a1 ? ` equal to ${code(text(ctx, a1))}` : '';
    return is(`has the property ${code(t.isStringLiteral(a0) ? a0.value : v0)}${withValue}`, `does not have the property ${code(v0)}`);
  }],
  [['toHaveBeenCalled', 'called'], ({ is }) => is('has been called', 'has not been called')],
  [['toHaveBeenCalledTimes', 'callCount'], ({ a0, v0, is }) => a0 ? is(`has been called ${code(v0)} times`) : undefined],
  [['toHaveBeenCalledWith', 'toHaveBeenLastCalledWith', 'calledWith'], ({ ctx, args, is }) => {
    const list = args.map((a) => text(ctx, a)).join(', ');
    return is(`has been called with ${code(list)}`, `has not been called with ${code(list)}`);
  }],
  [['toMatchSnapshot', 'snapshot'], ({ is }) => is('matches its stored snapshot', 'does not match its stored snapshot')],
  [['toMatchInlineSnapshot'], ({ a0, v0, is }) => a0 ? is(`matches the inline snapshot ${code(v0)}`) : is('matches its inline snapshot')],
  [['toMatchFileSnapshot'], ({ a0, v0, is }) => a0 ? is(`matches the snapshot file ${code(v0)}`) : undefined],
];
const MATCHER_BY_NAME = new Map(MATCHERS.flatMap(([names, sentence]) => names.map((n) => [n, sentence] as const)));

/** Predicates shared by jest/vitest matchers and chai/node/ava assertions. */
function matcherSentence(ctx: Ctx, subject: Subject, matcher: string, args: t.Node[], negated: boolean): string | undefined {
  const sentence = MATCHER_BY_NAME.get(matcher);
  if (!sentence) return undefined;
  const a0 = args[0];
  const v0 = a0 ? text(ctx, a0) : '';
  const is = (p: string, n = `is not ${p.replace(/^is /, '')}`) => predicateSentence(subject, p, n, negated);
  return sentence({ ctx, subject, args, a0, v0, negated, is });
}

const CHAI_NOISE = new Set(['to', 'be', 'been', 'is', 'that', 'which', 'and', 'has', 'have', 'with', 'at', 'of', 'same', 'but', 'does', 'still', 'also', 'own', 'nested', 'ordered', 'any', 'all', 'itself']);

/** `expect(x).not.toBe(y)`, `expect(p).rejects.toThrow(E)`, chai `expect(x).to.deep.equal(y)`, `expect(x).to.be.true`. */
function expectSentence(ctx: Ctx, node: t.Node): string | undefined {
  let terminal: t.CallExpression | undefined;
  let cur = unwrap(node);
  if (t.isCallExpression(cur) && (t.isMemberExpression(cur.callee) || t.isOptionalMemberExpression(cur.callee))) {
    terminal = cur;
    cur = cur.callee;
  }
  const props: string[] = [];
  while (t.isMemberExpression(cur) || t.isOptionalMemberExpression(cur)) {
    const name = propName(cur);
    if (name === undefined) return undefined;
    props.unshift(name);
    cur = unwrap(cur.object);
  }
  if (!t.isCallExpression(cur)) return undefined;
  const root = cur.callee;
  const isExpect =
    (t.isIdentifier(root) && root.name === 'expect') ||
    (t.isMemberExpression(root) && t.isIdentifier(root.object) && root.object.name === 'expect' && propName(root) === 'soft');
  if (!isExpect || props.length === 0 || !cur.arguments[0]) return undefined;
  const subjectNode = cur.arguments[0];
  const matcher = props[props.length - 1]!;
  const modifiers = props.slice(0, -1);
  const negated = modifiers.includes('not');
  const promise = modifiers.includes('rejects') ? 'rejects' : modifiers.includes('resolves') ? 'resolves' : undefined;
  const deep = modifiers.includes('deep');
  const args = (terminal?.arguments ?? []) as t.Node[];

  if (/^(toThrow|toThrowError|throw|throws|Throw)$/.test(matcher)) {
    if (promise === 'rejects') return throwSentence({ text: subjectOf(ctx, subjectNode).text, call: true }, errorDetail(ctx, args[0]), negated, true);
    return throwSentence(throwerOf(ctx, subjectNode), errorDetail(ctx, args[0]), negated, false);
  }
  if (/^(rejected|rejectedWith)$/.test(matcher)) {
    return throwSentence({ text: subjectOf(ctx, subjectNode).text, call: true }, errorDetail(ctx, args[0]), negated, true);
  }
  const subject = subjectOf(ctx, subjectNode);
  if (promise === 'resolves') subject.awaited = true;
  if (promise === 'rejects') {
    const a0 = args[0];
    const value = a0 ? ` with ${code(text(ctx, a0))}` : '';
    return negated ? `${code(subject.text)} does not reject${value}` : `${code(subject.text)} rejects${value}`;
  }
  const effective = deep && (matcher === 'equal' || matcher === 'equals') ? 'eql' : matcher;
  const sentence = matcherSentence(ctx, subject, effective, args, negated);
  if (sentence) return sentence;
  const chain = props.filter((p) => !CHAI_NOISE.has(p) && p !== 'not');
  const call = terminal ? `${chain.join('.')}(${args.map((a) => text(ctx, a)).join(', ')})` : chain.join('.');
  return `${subject.isCall ? `the result of ${code(subject.text)}` : code(subject.text)} ${negated ? 'does not satisfy' : 'satisfies'} ${code(call)}`;
}

const ASSERT_OBJECTS = new Set(['assert', 'assert.strict', 't.assert', 'strict', 'chai.assert']);

/** node:assert, chai assert and ava's `t.*`. */
function assertSentence(ctx: Ctx, node: t.Node): string | undefined {
  const call = unwrap(node);
  if (!t.isCallExpression(call)) return undefined;
  const callee = call.callee;
  const args = call.arguments as t.Node[];
  if (t.isIdentifier(callee) && (callee.name === 'assert' || callee.name === 'ok')) {
    return args[0] ? matcherSentence(ctx, subjectOf(ctx, args[0]), 'ok', [], false) : undefined;
  }
  if (!t.isMemberExpression(callee)) return undefined;
  const method = propName(callee);
  const objText = text(ctx, callee.object);
  const isAva = ctx.testParam !== undefined && objText === ctx.testParam;
  if (!method || !(ASSERT_OBJECTS.has(objText) || isAva)) return undefined;
  const [a0, a1] = args;
  if (a0 === undefined) {
    if (method === 'pass') return 'the test reaches its end (explicit pass)';
    return undefined;
  }
  switch (method) {
    case 'plan':
      return `exactly ${code(text(ctx, a0))} assertions run`;
    case 'throws':
    case 'throwsAsync':
    case 'rejects':
    case 'isRejected': {
      const async = method !== 'throws';
      const target = unwrap(a0);
      const fnLike = t.isArrowFunctionExpression(target) || t.isFunctionExpression(target);
      const thrower = fnLike || !async ? throwerOf(ctx, a0) : { text: subjectOf(ctx, a0).text, call: true };
      return throwSentence(thrower, errorDetail(ctx, a1), false, async);
    }
    case 'doesNotThrow':
    case 'notThrows':
      return throwSentence(throwerOf(ctx, a0), '', true, false);
    case 'doesNotReject':
    case 'notThrowsAsync':
      return throwSentence({ text: subjectOf(ctx, a0).text, call: true }, '', true, true);
    case 'notEqual':
    case 'notStrictEqual':
    case 'not':
      return a1 ? equalitySentence(subjectOf(ctx, a0), text(ctx, a1), 'same', true) : undefined;
    case 'notDeepEqual':
    case 'notDeepStrictEqual':
      return a1 ? equalitySentence(subjectOf(ctx, a0), text(ctx, a1), 'deep', true) : undefined;
    case 'doesNotMatch':
    case 'notMatch':
    case 'notRegex':
      return a1 ? matcherSentence(ctx, subjectOf(ctx, a0), 'match', [a1], true) : undefined;
    case 'notInclude':
      return a1 ? matcherSentence(ctx, subjectOf(ctx, a0), 'include', [a1], true) : undefined;
    case 'snapshot':
      return matcherSentence(ctx, subjectOf(ctx, a0), 'snapshot', [], false);
    default: {
      const rest = args.slice(1).filter((a) => !t.isStringLiteral(a) || args.length <= 2 || a !== args[args.length - 1]);
      const sentence = matcherSentence(ctx, subjectOf(ctx, a0), method, rest, false);
      if (sentence) return sentence;
      return `${code(`${objText}.${method}(${args.map((a) => text(ctx, a)).join(', ')})`)} holds`;
    }
  }
}

function assertionSentence(ctx: Ctx, expr: t.Node): string | undefined {
  const node = unwrap(t.isAwaitExpression(unwrap(expr)) ? (unwrap(expr) as t.AwaitExpression).argument : expr);
  return expectSentence(ctx, node) ?? assertSentence(ctx, node);
}

function push(ctx: Ctx, kind: TestFact['kind'], textValue: string): void {
  ctx.facts.push(ctx.context === undefined ? { kind, text: textValue } : { kind, text: textValue, context: ctx.context });
}

function withContext(ctx: Ctx, context: string, body: t.Node): void {
  const saved = ctx.context;
  ctx.context = saved ? `${saved}; ${context}` : context;
  walkStatement(ctx, body);
  ctx.context = saved;
}

function walkStatement(ctx: Ctx, stmt: t.Node): void {
  if (t.isBlockStatement(stmt)) {
    for (const s of stmt.body) walkStatement(ctx, s);
    return;
  }
  if (t.isExpressionStatement(stmt)) {
    const expr = stmt.expression;
    const sentence = assertionSentence(ctx, expr);
    if (sentence) return push(ctx, 'assert', sentence);
    const inner = unwrap(t.isAwaitExpression(expr) ? expr.argument : expr);
    // `cases.forEach(([a, b]) => { expect(...) })`: the assertions inside run once per element.
    if (
      t.isCallExpression(inner) &&
      t.isMemberExpression(inner.callee) &&
      propName(inner.callee) === 'forEach' &&
      (t.isArrowFunctionExpression(inner.arguments[0]) || t.isFunctionExpression(inner.arguments[0]))
    ) {
      const fn = inner.arguments[0];
      const params = fn.params.map((p) => text(ctx, p)).join(', ');
      return withContext(ctx, `for each ${code(params)} of ${code(text(ctx, inner.callee.object))}`, fn.body);
    }
    if (t.isCallExpression(inner) && t.isIdentifier(inner.callee) && inner.callee.name === 'expect') return;
    if (t.isCallExpression(inner) && t.isMemberExpression(inner.callee) && text(ctx, inner.callee) === 'expect.assertions') return;
    return push(ctx, 'action', text(ctx, inner));
  }
  if (t.isVariableDeclaration(stmt)) {
    return push(ctx, 'setup', text(ctx, stmt).replace(/;\s*$/, ''));
  }
  if (t.isForOfStatement(stmt) || t.isForInStatement(stmt)) {
    const left = text(ctx, stmt.left).replace(/^(const|let|var)\s+/, '');
    return withContext(ctx, `for each ${code(left)} ${t.isForOfStatement(stmt) ? 'of' : 'in'} ${code(text(ctx, stmt.right))}`, stmt.body);
  }
  if (t.isForStatement(stmt) || t.isWhileStatement(stmt) || t.isDoWhileStatement(stmt)) {
    const head = t.isForStatement(stmt)
      ? [stmt.init, stmt.test, stmt.update].map((n) => (n ? text(ctx, n) : '')).join('; ')
      : text(ctx, stmt.test);
    return withContext(ctx, `in a loop (${code(head)})`, stmt.body);
  }
  if (t.isIfStatement(stmt)) {
    withContext(ctx, `when ${code(text(ctx, stmt.test))}`, stmt.consequent);
    if (stmt.alternate) withContext(ctx, `otherwise`, stmt.alternate);
    return;
  }
  if (t.isTryStatement(stmt)) {
    walkStatement(ctx, stmt.block);
    if (stmt.handler) {
      const param = stmt.handler.param ? code(text(ctx, stmt.handler.param)) : 'the error';
      withContext(ctx, `when an error ${param} is caught`, stmt.handler.body);
    }
    if (stmt.finalizer) walkStatement(ctx, stmt.finalizer);
    return;
  }
  if (t.isReturnStatement(stmt) && stmt.argument) {
    const sentence = assertionSentence(ctx, stmt.argument);
    if (sentence) return push(ctx, 'assert', sentence);
    return push(ctx, 'action', text(ctx, stmt.argument));
  }
  if (t.isEmptyStatement(stmt)) return;
  push(ctx, 'action', text(ctx, stmt));
}

/** Finds the test callback: the last function argument of the outermost call. */
function findCallback(program: t.Program): t.ArrowFunctionExpression | t.FunctionExpression | undefined {
  for (const stmt of program.body) {
    if (!t.isExpressionStatement(stmt)) continue;
    let expr = unwrap(stmt.expression);
    if (t.isAwaitExpression(expr)) expr = unwrap(expr.argument);
    if (!t.isCallExpression(expr)) continue;
    for (let i = expr.arguments.length - 1; i >= 0; i--) {
      const arg = expr.arguments[i];
      if (t.isArrowFunctionExpression(arg) || t.isFunctionExpression(arg)) return arg;
    }
  }
  return undefined;
}

function collectNames(node: t.Node, into: Set<string>): void {
  t.traverseFast(node, (n) => {
    if (t.isIdentifier(n)) into.add(n.name);
    else if (t.isPrivateName(n)) into.add(`#${n.id.name}`);
    else if (t.isStringLiteral(n) && /^[A-Za-z_$][\w$]*$/.test(n.value)) into.add(n.value);
  });
}

/** Analyses one test's source. `file` decides the parser plugins (TypeScript or not). */
export function analyzeTest(source: string, file: string): TestAnalysis {
  let ast: t.File;
  try {
    ast = parseSource(source, file);
  } catch {
    return { parsed: false, facts: [], names: new Set() };
  }
  const names = new Set<string>();
  collectNames(ast, names);
  const callback = findCallback(ast.program);
  const first = callback?.params[0];
  const ctx: Ctx = {
    src: source,
    facts: [],
    context: undefined,
    testParam: first && t.isIdentifier(first) ? first.name : undefined,
  };
  if (!callback) {
    for (const stmt of ast.program.body) walkStatement(ctx, stmt);
  } else if (t.isBlockStatement(callback.body)) {
    walkStatement(ctx, callback.body);
  } else {
    const sentence = assertionSentence(ctx, callback.body);
    push(ctx, sentence ? 'assert' : 'action', sentence ?? text(ctx, callback.body));
  }
  return { parsed: true, facts: ctx.facts, names };
}
