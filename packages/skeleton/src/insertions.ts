import MagicString from 'magic-string';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/**
 * Text to insert at an offset of the ORIGINAL source. Return-type pins and doc comments are
 * insertions, so they can be applied to the reference alone (`applyInsertions`) and to the base in
 * the same pass as the stubs (`stubFunctions(..., { insertions })`) without ids or offsets moving.
 */
export interface Insertion {
  insertAt: number;
  text: string;
}

function checkOffsets(code: string, insertions: readonly Insertion[]): void {
  for (const ins of insertions) {
    if (!Number.isInteger(ins.insertAt) || ins.insertAt < 0 || ins.insertAt > code.length) {
      throw new SweFlowError(
        ErrorCodes.INPUT_INVALID,
        `insertion offset ${ins.insertAt} is outside the source (length ${code.length}); compute insertions on the same original source`,
      );
    }
  }
}

/** Adds insertions to a MagicString in a stable order (equal offsets keep their given order). */
export function addInsertions(ms: MagicString, insertions: readonly Insertion[]): void {
  checkOffsets(ms.original, insertions);
  for (const ins of insertions) ms.appendLeft(ins.insertAt, ins.text);
}

/** Applies insertions computed on `code`; everything else stays byte-identical. */
export function applyInsertions(code: string, insertions: readonly Insertion[]): string {
  if (insertions.length === 0) return code;
  const ms = new MagicString(code);
  addInsertions(ms, insertions);
  return ms.toString();
}
