import { describe, expect, it } from 'vitest';
import en from './en';
import sv from './sv';

function keys(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`)));
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/{{(\w+)}}/g)].map((m) => m[1]!).sort();
}

describe('translations', () => {
  it('Swedish has every English string, with the same placeholders, and none left empty', () => {
    const english = keys(en);
    expect(keys(sv).sort()).toEqual([...english].sort());
    const get = (tree: object, key: string) => key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], tree) as string;
    for (const key of english) {
      expect(get(sv, key), key).not.toBe('');
      expect(placeholders(get(sv, key)), key).toEqual(placeholders(get(en, key)));
    }
  });
});
