import { inflateSync } from 'node:zlib';

/** CRC-32 (ISO 3309) computed here, independently of node:zlib's, to check the encoder's. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  chunks: string[];
  palette: [number, number, number][];
  /** Palette index at (x, y). */
  index(x: number, y: number): number;
}

/** Reads an 8-bit indexed, non-interlaced PNG with filter type 0 rows; throws on any bad CRC or length. */
export function readPng(png: Buffer): DecodedPng {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('no PNG signature');
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  let plte: Buffer | undefined;
  let off = 8;
  while (off < png.length) {
    const length = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + length);
    const crc = png.readUInt32BE(off + 8 + length);
    if (crc32(png.subarray(off + 4, off + 8 + length)) !== crc) throw new Error(`bad CRC in ${type}`);
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'PLTE') plte = data;
    if (type === 'IDAT') idat.push(data);
    off += 12 + length;
  }
  if (off !== png.length) throw new Error('trailing bytes after the last chunk');
  if (!ihdr || !plte) throw new Error('no IHDR or PLTE');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== (width + 1) * height) throw new Error(`IDAT inflates to ${raw.length} bytes, not ${(width + 1) * height}`);
  for (let y = 0; y < height; y++) if (raw[y * (width + 1)] !== 0) throw new Error(`row ${y} has filter ${raw[y * (width + 1)]}`);
  const palette = Array.from({ length: plte.length / 3 }, (_, i): [number, number, number] => [plte[i * 3] ?? 0, plte[i * 3 + 1] ?? 0, plte[i * 3 + 2] ?? 0]);
  return {
    width,
    height,
    bitDepth: ihdr[8] ?? 0,
    colorType: ihdr[9] ?? 0,
    chunks,
    palette,
    index: (x, y) => raw[y * (width + 1) + 1 + x] ?? -1,
  };
}
