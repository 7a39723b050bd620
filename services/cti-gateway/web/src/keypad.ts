// The telephone keypad, shared by the dialer and the tone pad of a connected call.

export const KEYPAD_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

/** The letters printed under a key of the dialer. */
export const KEY_LETTERS: Record<string, string> = { '2': 'ABC', '3': 'DEF', '4': 'GHI', '5': 'JKL', '6': 'MNO', '7': 'PQRS', '8': 'TUV', '9': 'WXYZ', '0': '+' };

/** A key's name in test ids (`*` and `#` are not valid there): `1`…`9`, `0`, `star`, `hash`. */
export function keyName(key: string): string {
  return key === '*' ? 'star' : key === '#' ? 'hash' : key;
}
