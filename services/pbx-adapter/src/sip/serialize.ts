// Serializer: message → wire bytes. Content-Length always reflects the body (RFC 3261 §20.14);
// header lines are written "Name: value" in stored order with CRLF line ends.
import type { SipMessage } from './message.ts';
import { formatUri } from './uri.ts';

/** Start line plus header section (ending with the empty line), as a string. */
export const serializeHead = (message: SipMessage): string => {
  const lines: string[] = [
    message.type === 'request'
      ? `${message.method} ${formatUri(message.uri)} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason}`,
  ];
  let contentLengthWritten = false;
  for (const f of message.headers) {
    if (f.name === 'Content-Length') {
      if (!contentLengthWritten) lines.push(`Content-Length: ${message.body.length}`);
      contentLengthWritten = true;
      continue;
    }
    lines.push(`${f.name}: ${f.value}`);
  }
  if (!contentLengthWritten) lines.push(`Content-Length: ${message.body.length}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
};

export const serializeMessage = (message: SipMessage): Buffer =>
  Buffer.concat([Buffer.from(serializeHead(message), 'utf8'), message.body]);
