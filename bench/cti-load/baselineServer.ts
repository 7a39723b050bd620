// The cti-load baseline as its own process (so its RSS is measured alone): J-frame parsing and one
// canned result per invoke, no sessions, no database, no bus. Prints its port on stdout.
import { createServer } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../services/cti-gateway/src/codec/mod.ts';

const server = createServer((socket) => {
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    const { messages } = decoder.push(chunk);
    for (const m of messages) {
      const id = /"invokeID":(\d+)/.exec(m.text)?.[1];
      if (id && id !== '99999') socket.write(encodeFrame(`{"result":{"invokeID":${id},"result":{"resultValue":0,"result":{"_type":"X"}}}}`, 'json-framed'));
    }
  });
  socket.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as { port: number }).port));
process.on('SIGTERM', () => process.exit(0));
