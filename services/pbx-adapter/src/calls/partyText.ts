// The far party's number and name as calls carry them onto the bus, the journal and the clients. They come
// from the PBX's headers (a URI's unescaped user part, a display name) and may hold control characters:
// U+0000 cannot even be stored by PostgreSQL (the journal's insert would fail and the row be lost), the
// others break a client's list or a CSV line. Pure.

/** C0 controls and DEL, which no number or name needs. */
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** `text` without control characters, at most `max` characters. */
export const partyText = (text: string, max = 256): string => text.replace(CONTROL, '').slice(0, max);
