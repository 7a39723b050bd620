// Contract of the MediaClient.
import type { BusClient, Logger } from '@ucserver/shared';

export interface MediaClientOptions {
  bus: BusClient;
  logger: Logger;
  /** Timeout of one command. Default the bus default (BUS_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
  /**
   * This gateway's instance id: outgoing calls' offers ask the node to push the softphone's answer to it
   * (MediaTopics.softphoneAnswer), so softphoneAnswer() finds it without a round trip. Without it, every
   * softphoneAnswer() asks the node.
   */
  answerTo?: string | undefined;
  /** Pushed answers kept for calls that have not connected yet, at most (the oldest go first). Default 10,000. */
  maxPushedAnswers?: number;
}

export interface MediaClientEvents {
  /**
   * A pushed answer says the PBX answered the call in its 2xx (the far end answered): the softphone can be
   * connected now; softphoneAnswer() has the SDP. The pbx-adapter's `connected` follows.
   */
  answered: [callId: string];
}
