// Mid-call video upgrade and downgrade through the PBX (Kamailio + rtpengine): A calls B audio only,
// Start video re-offers with a video m-line, the pbx-adapter re-INVITEs with it, rtpengine relays it to
// B's node, which re-offers to B's softphone before it answers; both decode frames at the size sent with
// tones going on; Stop video sets the m-line to port 0 end to end and audio goes on. Journal notes video.
import { test } from 'node:test';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';
import { videoUpgradeScenario } from './support/videoUpgrade.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '18-video-upgrade', pbxMode: 'media-via-pbx' });

test('video upgrade and downgrade through the PBX: audio call, Start video (both see each other, tones on), Stop video (audio on), journal notes video', async () => {
  await videoUpgradeScenario(e2e, 'pbx');
});
