/**
 * The shared artifact store: large results (synth outputs, evaluation logs, predictions) live here,
 * addressed by content keys, never in Redis. First implementation: a folder every machine mounts (NFS
 * or similar); the interface is what an S3-compatible store would implement.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ArtifactStore {
  /** A folder for one artifact (`kind/key`), created on demand; jobs write their outputs into it. */
  dirFor(kind: string, key: string): Promise<string>;
  put(kind: string, key: string, name: string, data: string | Buffer): Promise<string>;
  get(kind: string, key: string, name: string): Promise<Buffer | undefined>;
  has(kind: string, key: string, name: string): Promise<boolean>;
  readonly root: string;
}

const SAFE = /^[A-Za-z0-9._-]+$/;

export class DirectoryStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private pathOf(kind: string, key: string, name?: string): string {
    for (const part of [kind, key, ...(name ? [name] : [])]) if (!SAFE.test(part)) throw new Error(`invalid artifact name ${JSON.stringify(part)}`);
    return path.join(this.root, kind, key.slice(0, 2), key, ...(name ? [name] : []));
  }

  async dirFor(kind: string, key: string): Promise<string> {
    const dir = this.pathOf(kind, key);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async put(kind: string, key: string, name: string, data: string | Buffer): Promise<string> {
    const file = this.pathOf(kind, key, name);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, file);
    return file;
  }

  async get(kind: string, key: string, name: string): Promise<Buffer | undefined> {
    return readFile(this.pathOf(kind, key, name)).catch(() => undefined);
  }

  async has(kind: string, key: string, name: string): Promise<boolean> {
    return stat(this.pathOf(kind, key, name)).then(() => true, () => false);
  }
}
