import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvokeOperation, operations } from '../../src/protocol/mod.ts';
import { EnetucRejectError } from '../../src/client/EnetucClient.ts';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import type { GatewayApp } from '../../src/app.ts';
import { startGateway, tcpClient } from '../support.ts';

/**
 * Issue 12: every invoke the registry lists but this server does not implement is answered with
 * reject invokeProblem 1 (unrecognisedOperation), never 3 (resourceLimitation, "server overloaded").
 * The list is computed from the running gateway's table, so an operation that gains a handler leaves it.
 */
describe('operations the registry lists without a handler', () => {
  let app: GatewayApp;
  let client: EnetucClient;
  let unimplemented: string[];
  before(async () => {
    app = await startGateway();
    await app.context.users.create({ login: 'alice', password: 'alice-pw' });
    client = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    unimplemented = Object.values(operations)
      .filter((op) => isInvokeOperation(op) && app.operations.invokes[op.name as keyof typeof app.operations.invokes] === undefined)
      .map((op) => op.name);
  });
  after(async () => {
    client.close();
    await app.stop();
  });

  it('the table has implemented and unimplemented invokes (the test can tell them apart)', () => {
    assert.ok(app.operations.invokes.asnCtiMakeCall, 'a known implemented operation');
    // the list is printed so a reviewer sees what it covers
    console.log(`unimplemented invokes: ${unimplemented.join(', ') || '(none)'}`);
  });

  it('each one gets reject invokeProblem 1 by id and by name, and the session keeps working', async () => {
    for (const name of unimplemented) {
      const op = operations[name as keyof typeof operations];
      for (const addressing of ['id', 'name'] as const) {
        const invokeID = 5000 + op.id + (addressing === 'name' ? 100_000 : 0);
        const wire = { invoke: { invokeID, operationID: addressing === 'id' ? op.id : 0, operationName: name, argument: {} } };
        const reply = await client.invokeRaw(JSON.stringify(wire), invokeID).catch((e: unknown) => e);
        assert.ok(reply instanceof EnetucRejectError, `${name} by ${addressing}: expected a reject, got ${JSON.stringify(reply)}`);
        assert.deepEqual(reply.problem, { invokeProblem: 1 }, `${name} by ${addressing}`);
        assert.match(reply.message, /unrecognisedOperation/);
      }
    }
    // and an implemented one still answers
    const lines = await client.invoke('asnCtiEnumPhoneLines', { typeofLines: 0, attachChangeNotify: 0 });
    assert.ok(Array.isArray(lines.seqLines));
  });

  it('an operation unknown to the registry gets the same reject', async () => {
    const reply = await client.invokeRaw(JSON.stringify({ invoke: { invokeID: 4242, operationID: 4242, operationName: 'asnNoSuchThing', argument: {} } }), 4242).catch((e: unknown) => e);
    assert.ok(reply instanceof EnetucRejectError);
    assert.deepEqual(reply.problem, { invokeProblem: 1 });
  });
});
