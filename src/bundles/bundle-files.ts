import { constants, type Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { BundleMeta, LogLineFilter } from '../domain/index.js';
import { filesRefused } from './bundle-errors.js';
import { readFilteredLog } from './filtered-log.js';

/**
 * How much of one file a bundle reader keeps: the last 128 MiB of a longer file. Large enough
 * that the 100 MB logs of bench/analysis.mjs are read whole, small enough that a 2 GiB log costs
 * the reader one cap of memory (plus the string made of it), not the file's size.
 */
export const DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024;
/** A file's text becomes one string: V8 refuses strings over ~512 MiB, so the cap stays well below. */
export const MAX_FILE_BYTES_LIMIT = 256 * 1024 * 1024;

export interface BundleReadOptions {
  /** Per-file cap in bytes; a longer file is read from its tail. @defaultValue DEFAULT_MAX_FILE_BYTES */
  maxFileBytes?: number;
  /** Read big logs keeping only the lines the analysis reads (see LogLineFilter): for analysis only. */
  logFilter?: LogLineFilter;
}

export interface FileText {
  text: string;
  /** Bytes at the start of the file left unread because it outgrew the cap (0: read whole). */
  unreadBytes: number;
}

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(n % MiB ? 1 : 0)} MiB`;

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

/** Fills `buf` from `position` until it is full or the file ends; returns the bytes read. */
async function readAt(handle: FileHandle, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await handle.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/**
 * Where the last `cap` bytes of a file of `size` bytes start, at their first whole line: the byte
 * before the window says whether it starts on a line boundary; a window without any newline is
 * one long line, kept rather than nothing.
 */
async function tailStart(handle: FileHandle, size: number, cap: number): Promise<number> {
  if (size <= cap) return 0;
  const start = size - cap - 1;
  const probe = Buffer.allocUnsafe(Math.min(64 * 1024, cap + 1));
  for (let at = start; at < size; ) {
    const got = await readAt(handle, probe, at);
    if (got === 0) break;
    const from = at === start ? 1 : 0;
    if (at === start && probe[0] === 0x0a) return start + 1;
    const newline = probe.subarray(0, got).indexOf(0x0a, from);
    if (newline !== -1) return at + newline + 1;
    at += got;
  }
  return start + 1;
}

/** The last `cap` bytes of a file of `size` bytes, from its first whole line (see tailStart). */
async function readTail(handle: FileHandle, size: number, cap: number, scratch: (bytes: number) => Buffer): Promise<FileText> {
  const start = await tailStart(handle, size, cap);
  const buf = scratch(size - start);
  return { text: buf.toString('utf8', 0, await readAt(handle, buf, start)), unreadBytes: start };
}

/**
 * Reads the files of one bundle directory (or sosreport) the safe way: only regular files whose
 * real path stays inside the bundle (links within the bundle are followed, as sosreports link
 * their top-level names into sos_commands/), never a device, FIFO or socket (their type is checked
 * before they are opened, and again on the opened descriptor, which O_NONBLOCK keeps from
 * blocking), at most `maxFileBytes` of each. Every refusal is recorded; `check()` throws them
 * all at once, so one run names every file that is wrong.
 */
export class BundleFiles {
  readonly maxFileBytes: number;
  private readonly logFilter: LogLineFilter | undefined;
  private readonly refusals: string[] = [];
  /** One read buffer for every file, grown to the largest read: the peak is one cap plus the strings kept. */
  private buffer: Buffer | undefined;

  private constructor(
    private readonly root: string,
    private readonly realRoot: string,
    options: BundleReadOptions,
  ) {
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.logFilter = options.logFilter;
  }

  static async open(root: string, options: BundleReadOptions = {}): Promise<BundleFiles> {
    const cap = options.maxFileBytes;
    if (cap !== undefined && !(Number.isInteger(cap) && cap > 0 && cap <= MAX_FILE_BYTES_LIMIT)) {
      throw new RangeError(`maxFileBytes must be a whole number from 1 to ${MAX_FILE_BYTES_LIMIT}, got ${cap}`);
    }
    return new BundleFiles(root, await realpath(root), options);
  }

  /**
   * The text of `rel` (its tail when over the cap; `whole` refuses such a file instead, for JSON
   * and other files whose tail means nothing), or undefined when it is absent or refused. The
   * log of a `spec` the options' log filter covers is read through it.
   */
  async read(rel: string, whole = false, spec?: string): Promise<FileText | undefined> {
    const path = join(this.root, rel);
    let target: string;
    try {
      target = await realpath(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // absent, or a link to nothing: "not collected", as for any missing file
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      return this.refuse(path, `it cannot be resolved (${code ?? String(err)})`);
    }
    if (!inside(this.realRoot, target)) return this.refuse(path, `it links to ${target}, outside the bundle`);
    let handle: FileHandle | undefined;
    try {
      const before = await stat(target);
      if (!before.isFile()) return this.refuse(path, `it is ${kindOf(before)}, not a regular file`);
      handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      const info = await handle.stat();
      if (!info.isFile() || info.dev !== before.dev || info.ino !== before.ino) return this.refuse(path, 'it was replaced while being opened');
      if (whole && info.size > this.maxFileBytes) return this.refuse(path, `it is ${mib(info.size)}, over the ${mib(this.maxFileBytes)} read cap`);
      const filter = this.logFilter;
      if (spec !== undefined && filter?.specs.includes(spec) && info.size >= filter.minBytes) {
        const start = await tailStart(handle, info.size, this.maxFileBytes);
        return { text: await readFilteredLog(handle, start, info.size, filter), unreadBytes: start };
      }
      return await readTail(handle, info.size, this.maxFileBytes, (bytes) => this.scratch(bytes));
    } catch (err) {
      return this.refuse(path, `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    } finally {
      await handle?.close();
    }
  }

  private scratch(bytes: number): Buffer {
    if (!this.buffer || this.buffer.length < bytes) this.buffer = Buffer.allocUnsafe(bytes);
    return this.buffer.subarray(0, bytes);
  }

  /** Names in a folder of the bundle, sorted; none when it is absent or unreadable. */
  async list(relDir: string): Promise<string[]> {
    try {
      return (await readdir(join(this.root, relDir))).sort();
    } catch {
      return [];
    }
  }

  /** Throws one error naming every refused file, one line each. */
  check(): void {
    if (this.refusals.length) throw filesRefused(this.refusals);
  }

  private refuse(path: string, why: string): undefined {
    this.refusals.push(`not reading ${path}: ${why}`);
    return undefined;
  }
}

/** Marks the specs read from their tail in meta.steps, so that the report can say what was not read. */
export function withUnread(meta: BundleMeta, unread: ReadonlyMap<string, number>): BundleMeta {
  if (!unread.size) return meta;
  const steps = { ...meta.steps };
  for (const [spec, bytes] of unread) steps[spec] = { ...steps[spec], truncated: true, unread_bytes: bytes };
  return { ...meta, steps };
}
