import { crc32, deflateSync } from 'node:zlib';

/** Bytes every PNG starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type Rgb = readonly [number, number, number];

/**
 * An indexed-colour raster: one byte a pixel, a palette of at most 256 colours. Enough for
 * charts of lines and flat fills, and it compresses to a few kilobytes.
 */
export class Raster {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background = 0,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 4_000_000) {
      throw new RangeError(`a raster is 1 to 4 million pixels, not ${width}×${height}`);
    }
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  /** Pixels outside the raster are ignored, so shapes can be drawn without clipping them first. */
  set(x: number, y: number, color: number): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi >= 0 && yi >= 0 && xi < this.width && yi < this.height) this.pixels[yi * this.width + xi] = color;
  }

  get(x: number, y: number): number | undefined {
    return x >= 0 && y >= 0 && x < this.width && y < this.height ? this.pixels[y * this.width + x] : undefined;
  }

  /** Bresenham between two points; `dash` [on, off] in pixels along the longer axis. */
  line(x0: number, y0: number, x1: number, y1: number, color: number, dash?: readonly [number, number]): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    for (let i = 0; ; i++) {
      if (!dash || i % (dash[0] + dash[1]) < dash[0]) this.set(x, y, color);
      if (x === xe && y === ye) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** Fills column x from row y0 to row y1, both included, in either order. */
  span(x: number, y0: number, y1: number, color: number): void {
    const [a, b] = y0 <= y1 ? [y0, y1] : [y1, y0];
    for (let y = Math.round(a); y <= Math.round(b); y++) this.set(x, y, color);
  }

  /** Encodes as a PNG (colour type 3, 8 bits a pixel), compressed with zlib. */
  toPng(palette: readonly Rgb[]): Buffer {
    if (palette.length === 0 || palette.length > 256) throw new RangeError(`a PNG palette has 1 to 256 colours, not ${palette.length}`);
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr.set([8, 3, 0, 0, 0], 8); // bit depth 8, indexed colour, deflate, adaptive filtering, no interlace
    const plte = Buffer.from(palette.flatMap(([r, g, b]) => [r, g, b]));
    // Each scanline is one filter-type byte (0: none) and the row's indices.
    const raw = Buffer.alloc((this.width + 1) * this.height);
    for (let y = 0; y < this.height; y++) raw.set(this.pixels.subarray(y * this.width, (y + 1) * this.width), y * (this.width + 1) + 1);
    return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', plte), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
  }
}

/** length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** 3×5 glyphs, rows top to bottom, for axis labels: digits and the few marks they need. */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '###', '#..', '###'],
  '3': ['###', '..#', '.##', '..#', '###'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '###', '..#', '###'],
  '6': ['###', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '###'],
  '-': ['...', '...', '###', '...', '...'],
  '+': ['...', '.#.', '###', '.#.', '...'],
  '%': ['#.#', '..#', '.#.', '#..', '#.#'],
  d: ['..#', '..#', '###', '#.#', '###'],
  h: ['#..', '#..', '###', '#.#', '#.#'],
};
export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/** Draws `text` with its top-left corner at (x, y), one pixel between glyphs; unknown characters are blank. */
export function drawText(r: Raster, text: string, x: number, y: number, color: number): void {
  [...text].forEach((ch, i) => {
    const rows = GLYPHS[ch];
    rows?.forEach((row, dy) => [...row].forEach((px, dx) => px === '#' && r.set(x + i * (GLYPH_WIDTH + 1) + dx, y + dy, color)));
  });
}

export function textWidth(text: string): number {
  return text.length * (GLYPH_WIDTH + 1) - 1;
}
