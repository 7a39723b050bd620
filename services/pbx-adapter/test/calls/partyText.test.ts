import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partyText } from '../../src/calls/partyText.ts';

describe('partyText (a far party\'s number or name as calls publish it)', () => {
  const cases: Array<[string, string, number | undefined, string]> = [
    ['a plain number', '+49 89 123', undefined, '+49 89 123'],
    ['a name with umlauts and an emoji', 'Jörg 📞', undefined, 'Jörg 📞'],
    ['U+0000 from an unescaped %00', '10\u00001', undefined, '101'],
    ['every C0 control and DEL', '\u0001A\u0009B\u000aC\u001fD\u007f', undefined, 'ABCD'],
    ['only controls', '\u0000\u0001', undefined, ''],
    ['cut to the maximum', 'x'.repeat(300), undefined, 'x'.repeat(256)],
    ['cut to a given maximum after stripping', '\u0000abcdef', 3, 'abc'],
  ];
  for (const [name, input, max, expected] of cases) {
    it(name, () => assert.equal(partyText(input, max), expected));
  }
});
