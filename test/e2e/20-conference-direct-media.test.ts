// The three-party conference (support/conferenceFlows.ts) with Direct Media: Kamailio without rtpengine
// passes SDP through, so A's call with B is linked to B's own call inside the media node, and A's call
// with C to C's; the PBX legs carry nothing. Conference: the node mixes A's microphone with the softphone
// legs of B's and C's calls (each hears its feed instead of the link; A's held call hears nothing). C
// hangs up: the mix dissolves and A's call with B is linked directly again.
import { test } from 'node:test';
import { threePartyConference } from './support/conferenceFlows.ts';
import { ALICE, BOB, CAROL } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '20-conference-direct-media', pbxMode: 'direct-media', users: [ALICE, BOB, CAROL] });

test('conference on Direct Media: A holds B, calls C, conferences; each hears the two others and not itself; C leaves, A and B still talk (linked again)', () => threePartyConference(e2e, 'direct'));
