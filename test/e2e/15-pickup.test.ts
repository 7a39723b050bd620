// Call pickup through Kamailio + rtpengine with three Chromium softphones and the admin console (issue
// 15): the scenario lives in support/pickupFlow.ts (19 runs it with Direct Media). The operator sets the
// pickup group on the console's Pickup groups page; carol outside the group is refused, inside it she
// takes the call ringing at bob; alice and carol talk; the journal records the pickup.
import { test } from 'node:test';
import { enterNetworkNamespace } from './support/netns.ts';
import { pickupScenario, pickupStack } from './support/pickupFlow.ts';

await enterNetworkNamespace();

const ps = pickupStack('15-pickup', 'media-via-pbx');

test('pickup: carol outside the group is refused and bob keeps ringing; in the group she takes the call, alice and carol talk, bob stops ringing', () => pickupScenario(ps, 'pbx'));
