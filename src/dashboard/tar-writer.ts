import type { Writable } from 'node:stream';
import { once } from 'node:events';

/**
 * A minimal ustar writer, for the export that `tar -xzf` unpacks into the folder `retrain`
 * reads. Regular files only; names up to 255 bytes (a prefix and a name, as ustar splits them).
 */
export class TarWriter {
  constructor(private readonly out: Writable) {}

  static header(name: string, size: number, mtimeMs: number): Buffer {
    const h = Buffer.alloc(512);
    let prefix = '';
    let base = name;
    if (Buffer.byteLength(name) > 100) {
      const cut = name.lastIndexOf('/', 155);
      if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: name too long: ${name}`);
      prefix = name.slice(0, cut);
      base = name.slice(cut + 1);
    }
    const put = (s: string, at: number, len: number) => h.write(s, at, len, 'utf8');
    const octal = (n: number, at: number, len: number) => put(n.toString(8).padStart(len - 1, '0') + '\0', at, len);
    put(base, 0, 100);
    octal(0o644, 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(size, 124, 12);
    octal(Math.floor(mtimeMs / 1000), 136, 12);
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    put(prefix, 345, 155);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    return h;
  }

  async #write(b: Buffer): Promise<void> {
    if (!this.out.write(b)) await once(this.out, 'drain');
  }

  async file(name: string, content: Buffer | string, mtimeMs = Date.now()): Promise<void> {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    await this.#write(TarWriter.header(name, body.length, mtimeMs));
    await this.#write(body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) await this.#write(Buffer.alloc(pad));
  }

  /** The two empty blocks that end an archive. */
  async end(): Promise<void> {
    await this.#write(Buffer.alloc(1024));
    this.out.end();
  }
}
