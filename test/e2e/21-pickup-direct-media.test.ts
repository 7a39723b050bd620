// Call pickup (support/pickupFlow.ts) with Direct Media: Kamailio without rtpengine passes SDP through,
// so the INVITE that rings bob's line carries alice's PBX-leg tuple, and the call bob's softphone was
// offered (then carol's) is linked to alice's call inside the media node once the 200 OK reaches alice;
// the journal records path direct on carol's row.
import { test } from 'node:test';
import { enterNetworkNamespace } from './support/netns.ts';
import { pickupScenario, pickupStack } from './support/pickupFlow.ts';

await enterNetworkNamespace();

const ps = pickupStack('21-pickup-direct-media', 'direct-media');

test('pickup on Direct Media: carol outside the group is refused, bob keeps ringing; in the group she takes the call, alice and carol talk (linked inside the node)', () => pickupScenario(ps, 'direct'));
