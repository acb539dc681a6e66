import { describe, expect, it } from 'vitest';
import { clip, jsonText, plural, printable, printableDeep } from '../../src/domain/index.js';
import { HOSTILE_TEXT, RAW_CONTROL } from '../helpers/hostile-text.js';

describe('printable', () => {
  it('shows each control character as one visible character, so that lengths and limits hold', () => {
    const out = printable(HOSTILE_TEXT);
    expect(out).toHaveLength(HOSTILE_TEXT.length);
    expect(out).not.toMatch(RAW_CONTROL);
    expect(out).not.toContain('\n');
    expect(out).toContain('pwn ␛]0;owned␇ ␛[31mred␛[0m \ufffd2J clear ␛[2K back␈␈␈space nul␀ del␡ cr␍over \ufffdevil\ufffd iso\ufffdx\ufffd tab\tkept␊Root cause');
  });

  it('keeps line feeds and tabs where the renderer lays out lines itself', () => {
    const out = printable('a\tb\nc\r\nd\x1b', { newlines: true });
    expect(out).toBe('a\tb\nc␍\nd␛');
  });

  it('leaves ordinary text alone, non-Latin scripts and emoji included', () => {
    const text = 'Jan 1 host kernel: EXT4-fs (dm-6): Remounting filesystem read-only · ошибка · 错误 · ✓ 🚨 é';
    expect(printable(text)).toBe(text);
  });

  it('is idempotent', () => {
    expect(printable(printable(HOSTILE_TEXT))).toBe(printable(HOSTILE_TEXT));
  });

  it('maps every string of plain data, keeping its shape and the other values', () => {
    const data = { host: 'h\x1b', n: 3, ok: true, none: null, list: ['a\x07', { deep: '\u009b' }] };
    expect(printableDeep(data)).toEqual({ host: 'h␛', n: 3, ok: true, none: null, list: ['a␇', { deep: '\ufffd' }] });
  });
});

describe('jsonText', () => {
  it('writes what JSON leaves raw but a terminal obeys as \\u escapes, and reads back to the same text', () => {
    const value = { text: HOSTILE_TEXT, nested: [HOSTILE_TEXT] };
    const out = jsonText(value, 2);
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain('\\u009b2J');
    expect(out).toContain('\\u202eevil');
    expect(JSON.parse(out)).toEqual(value);
  });
});

describe('plural', () => {
  it('puts the noun in the number of the count', () => {
    expect([plural(1, 'CPU'), plural(4, 'CPU'), plural(0, 'host'), plural(2, 'process', 'processes')]).toEqual(['1 CPU', '4 CPUs', '0 hosts', '2 processes']);
  });
});

describe('clip', () => {
  it('keeps text that fits and cuts longer text to the limit, mark included', () => {
    expect(clip('abcdef', 6)).toBe('abcdef');
    expect(clip('abcdefg', 6)).toBe('abcde…');
    expect(clip('abcdefg', 6, '...')).toBe('abc...');
    expect(clip('abcdefg', 6, '...').length).toBe(6);
  });
});
