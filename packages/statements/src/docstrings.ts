import * as t from '@babel/types';
import { silentLogger } from '@swe-flow/core';
import { parseSource } from '@swe-flow/skeleton';
import { DEFAULT_LEAK_NGRAM, findLeak } from './leak.js';
import { loadPrompt, renderPrompt } from './prompts.js';
import type { StatementFunction, StatementStats } from './types.js';
import type { ChatMessage } from './llm-client.js';
import { llmClientFor, unwrapFence, type WriterOptions } from './writer.js';

/**
 * Doc comments for stubbed functions that have none, so a stub still tells the solver what its
 * parameters and result are. The result is a complete `/** … *\/` block without indentation; the
 * skeleton package inserts it (indented) above the function in base and reference alike.
 */

export interface SignatureParam {
  /** Parameter name; `options` for a destructured object, `items` for a destructured array. */
  name: string;
  type?: string;
  defaultValue?: string;
  optional: boolean;
  rest: boolean;
}

export interface SignatureInfo {
  params: SignatureParam[];
  returnType?: string;
}

type FnNode = t.Function | t.TSDeclareMethod;

function typeText(src: string, annotation: t.Node | null | undefined): string | undefined {
  if (!annotation || !t.isTSTypeAnnotation(annotation)) return undefined;
  return src.slice(annotation.typeAnnotation.start ?? 0, annotation.typeAnnotation.end ?? 0).replace(/\s*\n\s*/g, ' ');
}

function paramInfo(src: string, node: t.Node): SignatureParam {
  if (t.isTSParameterProperty(node)) return paramInfo(src, node.parameter);
  if (t.isAssignmentPattern(node)) {
    const inner = paramInfo(src, node.left);
    return { ...inner, optional: true, defaultValue: src.slice(node.right.start ?? 0, node.right.end ?? 0) };
  }
  if (t.isRestElement(node)) {
    const inner = paramInfo(src, node.argument);
    const type = typeText(src, node.typeAnnotation as t.Node | null) ?? inner.type;
    return { ...inner, rest: true, ...(type ? { type } : {}) };
  }
  const annotation = (node as { typeAnnotation?: t.Node | null }).typeAnnotation;
  const type = typeText(src, annotation);
  const optional = !!(node as { optional?: boolean | null }).optional;
  const name = t.isIdentifier(node) ? node.name : t.isObjectPattern(node) ? 'options' : t.isArrayPattern(node) ? 'items' : 'arg';
  return { name, optional, rest: false, ...(type ? { type } : {}) };
}

function firstFunction(ast: t.File): FnNode | undefined {
  let found: FnNode | undefined;
  t.traverseFast(ast, (node) => {
    if (!found && (t.isFunction(node) || t.isTSDeclareMethod(node))) found = node;
  });
  return found;
}

/** Reads parameter names/types and the return type from a signature without body. */
export function parseSignature(signature: string, file: string): SignatureInfo | undefined {
  const sig = signature.trim().replace(/[{;]\s*$/, '').trimEnd();
  const candidates = [`${sig} {}`, `class __C { ${sig} {} }`, `({ ${sig} {} })`, `(${sig} {})`, `${sig} undefined`];
  for (const wrapped of candidates) {
    let ast: t.File;
    try {
      ast = parseSource(wrapped, file);
    } catch {
      continue;
    }
    const fn = firstFunction(ast);
    if (!fn) continue;
    const returnType = typeText(wrapped, fn.returnType as t.Node | null | undefined);
    return { params: fn.params.map((p) => paramInfo(wrapped, p)), ...(returnType ? { returnType } : {}) };
  }
  return undefined;
}

function words(name: string): string[] {
  return name
    .replace(/^[#_$]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_$-]+/)
    .filter(Boolean)
    .map((w) => (/^[A-Z]+$/.test(w) && w.length > 1 ? w : w.toLowerCase()));
}

function sentence(ws: string[]): string {
  const s = ws.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function summary(fn: Pick<StatementFunction, 'name' | 'kind'>): string {
  const own = fn.name.split('/').pop()!;
  const parts = own.split(/[#.]/);
  const member = parts.length > 1 ? parts.slice(0, -1).join('.') : undefined;
  const last = (parts[parts.length - 1] ?? own).replace(/^(get|set):/, '');
  const owner = member ? ` of ${'`'}${member}${'`'}` : '';
  if (fn.kind === 'constructor') return `Creates a new ${'`'}${member ?? last}${'`'}.`;
  if (fn.kind === 'getter') return `Gets the ${words(last).join(' ')}${owner}.`;
  if (fn.kind === 'setter') return `Sets the ${words(last).join(' ')}${owner}.`;
  const ws = words(last);
  if (ws.length === 0 || last.startsWith('<')) return `${'`'}${fn.name}${'`'}.`;
  const [first, ...rest] = ws;
  if (['is', 'has', 'can', 'should', 'was', 'are', 'does'].includes(first!) && rest.length > 0) {
    return `Tells whether ${first === 'is' ? 'it is' : first === 'has' ? 'it has' : `it ${first}`} ${rest.join(' ')}${owner}.`;
  }
  return `${sentence(ws)}${owner}.`;
}

/** A doc comment from the signature alone: summary from the name, `@param`s, `@returns`/`@yields`. */
export function offlineDocstring(fn: StatementFunction): string {
  const info = parseSignature(fn.signature, fn.file);
  const lines = [summary(fn)];
  if (fn.async && !fn.generator) lines.push('', 'Asynchronous: returns a promise.');
  if (fn.generator) lines.push('', fn.async ? 'Async generator: yields values asynchronously.' : 'Generator: yields values lazily.');
  const tags: string[] = [];
  for (const p of info?.params ?? []) {
    const type = p.type ? `{${p.rest ? `...${p.type.replace(/\[\]$/, '')}` : p.type}} ` : '';
    const name = p.optional ? `[${p.name}${p.defaultValue !== undefined ? `=${p.defaultValue.replace(/\s+/g, ' ')}` : ''}]` : p.name;
    tags.push(`@param ${type}${name}`.trimEnd());
  }
  if (fn.kind !== 'constructor' && fn.kind !== 'setter') {
    const type = info?.returnType ? `{${info.returnType}} ` : '';
    if (fn.generator) tags.push(`@returns ${type}An ${fn.async ? 'async ' : ''}iterator over the produced values.`);
    else if (info?.returnType !== 'void') tags.push(`@returns ${type}${fn.async ? 'A promise of the result.' : 'The result.'}`);
  }
  if (tags.length > 0) lines.push('', ...tags);
  return ['/**', ...lines.map((l) => (l ? ` * ${l}` : ' *')), ' */'].join('\n');
}

export interface DocstringOptions extends WriterOptions {
  /** Reference bodies by function id, for the leak check only (never sent). */
  referenceBodies?: Record<string, string>;
  /** Counts are added here (`llm`, `cached`, `offline`, `fallback`, `leakRejected`, `requests`, `retries`). */
  stats?: StatementStats;
}

/** Extracts the first JSDoc block of an answer; `undefined` when there is none. */
function extractDocBlock(content: string): string | undefined {
  const match = /\/\*\*[\s\S]*?\*\//.exec(unwrapFence(content));
  if (!match) return undefined;
  return match[0]
    .split('\n')
    .map((line, i) => (i === 0 ? line.trim() : ` ${line.trim()}`))
    .join('\n');
}

/**
 * Doc comments for the functions that have none (those with `jsdoc` are skipped). Offline by default;
 * with `llm`, each is written by the model, leak-checked, and falls back to the offline text.
 */
export async function writeDocstrings(functions: readonly StatementFunction[], options: DocstringOptions = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const stats = options.stats;
  const todo = functions.filter((f) => !f.jsdoc || f.jsdoc.trim() === '');
  const client = llmClientFor(options.llm);
  const logger = options.logger ?? silentLogger;
  if (!client) {
    for (const fn of todo) out[fn.id] = offlineDocstring(fn);
    if (stats) stats.offline += todo.length;
    return out;
  }
  const [system, user, retry] = await Promise.all([
    loadPrompt('docstring-system', options.promptsDir),
    loadPrompt('docstring-user', options.promptsDir),
    loadPrompt('leak-retry', options.promptsDir),
  ]);
  const counter = stats ?? { requests: 0, retries: 0 };
  const results = await Promise.all(
    todo.map(async (fn): Promise<[string, string]> => {
      const messages: ChatMessage[] = [
        { role: 'system', content: system.trim() },
        {
          role: 'user',
          content: renderPrompt(user, {
            file: fn.file,
            name: fn.name,
            kind: `${fn.async ? 'async ' : ''}${fn.generator ? 'generator ' : ''}${fn.kind}`,
            lang: /\.(c|m)?tsx?$/.test(fn.file) ? 'ts' : 'js',
            signature: fn.signature.trim(),
          }).trim(),
        },
      ];
      const body = options.referenceBodies?.[fn.id];
      let allCached = true;
      try {
        for (let round = 0; round < 2; round++) {
          const result = await client.chat(messages, {}, counter);
          allCached &&= result.cached;
          const doc = extractDocBlock(result.content);
          if (!doc) break;
          const leak = body ? findLeak(doc, [body], { ngram: options.leakNgram ?? DEFAULT_LEAK_NGRAM, publicText: [fn.signature] }) : null;
          if (!leak) {
            if (stats) stats[allCached ? 'cached' : 'llm']++;
            return [fn.id, doc];
          }
          if (stats) stats.leakRejected++;
          messages.push({ role: 'assistant', content: result.content }, { role: 'user', content: renderPrompt(retry, { ngram: leak.ngram }).trim() });
        }
      } catch (error) {
        logger.warn('LLM docstring failed; using the offline docstring', { id: fn.id, error: (error as Error).message });
      }
      if (stats) stats.fallback++;
      return [fn.id, offlineDocstring(fn)];
    }),
  );
  for (const [id, doc] of results) out[id] = doc;
  return out;
}
