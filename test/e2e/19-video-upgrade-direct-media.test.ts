// Mid-call video upgrade and downgrade in Direct Media (Kamailio without rtpengine passes the SDP
// through): the same signalling as through the PBX (e2e 18), the video linked inside the media node.
import { test } from 'node:test';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';
import { videoUpgradeScenario } from './support/videoUpgrade.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '19-video-upgrade-direct-media', pbxMode: 'direct-media' });

test('video upgrade and downgrade in Direct Media: audio call, Start video (both see each other, tones on), Stop video (audio on), journal notes video', async () => {
  await videoUpgradeScenario(e2e, 'direct');
});
