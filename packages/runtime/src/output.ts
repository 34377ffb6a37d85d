/**
 * Bounded capture of a process's output: a runaway test suite can print gigabytes, and a runtime must
 * not hold them all. The head is kept (where runners print what went wrong first) plus a note of how
 * much was dropped.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

export class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly maxBytes: number = DEFAULT_MAX_OUTPUT_BYTES) {}

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.maxBytes - this.kept;
    if (room >= buf.length) {
      this.chunks.push(buf);
      this.kept += buf.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(buf.subarray(0, room));
      this.kept += room;
    }
    this.dropped += buf.length - Math.max(room, 0);
  }

  get droppedBytes(): number {
    return this.dropped;
  }

  toString(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${text}\n[swe-flow: output truncated, ${this.dropped} more bytes dropped]\n` : text;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
