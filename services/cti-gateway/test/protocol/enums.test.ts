// Spot checks of the enumerations and bit sets against the subset reference §4, plus the shape rules
// every `as const` table follows, and the minimal AsnContactV2.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as protocol from '../../src/protocol/mod.ts';
import { AsnCtiLineOpenStatus, buildResult, EnumCallFeatures, EnumLineFeatures, minimalContactV2, operations } from '../../src/protocol/mod.ts';
import { serializeRose } from '../../src/codec/mod.ts';

const tables: [string, Record<string, unknown>][] = Object.entries(protocol).filter(
  ([name, value]) =>
    /^(Enum|EAsn|Asn)[A-Za-z0-9]*$/.test(name) &&
    typeof value === 'object' &&
    value !== null &&
    !('_zod' in value) &&
    Object.values(value).every((v) => typeof v === 'number' || typeof v === 'string'),
) as [string, Record<string, unknown>][];

describe('enumerations', () => {
  test('the protocol barrel exports the enumeration tables of §4', () => {
    const names = tables.map(([name]) => name);
    for (const expected of [
      'EnumCallState',
      'AsnCtiCallInfoChangedReason',
      'EnumCallFeatures',
      'AsnCtiLineOpenStatus',
      'EnumLineFeatures',
      'EnumCallDisconnectedReason',
      'AsnAVDropReason',
      'AsnAVMessageType',
      'AsnAVMediaType',
      'AsnNetDatabaseJournalFilterEnumeration',
      'AsnLogonErrorEnum',
      'AsnCtiErrorEnum',
      'AsnClientAppID',
      'EnumForwardModes',
      'AsnForwardMode',
      'EAsnCallType',
      'EnumCallRecordingState',
      'EnumRemoteContactSource',
      'EnumProjectType',
      'AsnNetDatabaseJournalCallType',
    ]) {
      assert.ok(names.includes(expected), expected);
    }
  });

  for (const [name, table] of tables) {
    test(`${name} has unique values`, () => {
      const values = Object.values(table);
      assert.equal(new Set(values).size, values.length);
    });
  }

  const spot: [string, number, number][] = [
    ['HANGUP + HOLD (frame 19)', EnumCallFeatures.eCFEATUREHANGUP | EnumCallFeatures.eCFEATUREHOLD, 8224],
    [
      'MAKECALL | DONOTDISTURB | BLOCKID (frames 08/10)',
      EnumLineFeatures.eCTILINEFEATUREMAKECALL | EnumLineFeatures.eCTILINEFEATUREDONOTDISTURB | EnumLineFeatures.eCTILINEFEATUREBLOCKID,
      11,
    ],
    ['lineStatusOpen', AsnCtiLineOpenStatus.lineStatusOpen, 2],
    ['SOFTPHONE + ASN1V2EVENTS (frame 01)', protocol.AsnNegotiateServerConnectionClientCapabilities.eSOFTPHONE | protocol.AsnNegotiateServerConnectionClientCapabilities.eASN1V2EVENTS, 5],
    ['eCALLSTATECONNECTED', protocol.EnumCallState.eCALLSTATECONNECTED, 32],
    ['reasonCallDestroyed', protocol.AsnCtiCallInfoChangedReason.reasonCallDestroyed, 12],
    ['eNETLOGINTLSREQUIRED', protocol.AsnLogonErrorEnum.eNETLOGINTLSREQUIRED, 114],
    ['eMEDIATYPESIP', protocol.AsnAVMediaType.eMEDIATYPESIP, 65535],
    ['AV drop REJECT', protocol.AsnAVDropReason.REJECT, 16],
    ['ICE_CANDIDATE_SDP', protocol.AsnAVMessageType.ICE_CANDIDATE_SDP, 2],
    ['flagIncludeAllPublic', protocol.AsnNetDatabaseJournalFilterEnumeration.flagIncludeAllPublic, 65536],
    ['eJOURNALCALLTYPESIPAVCALL', protocol.AsnNetDatabaseJournalCallType.eJOURNALCALLTYPESIPAVCALL, 7],
    ['eCLIENTAPPIDPROCALLWEB', protocol.AsnClientAppID.eCLIENTAPPIDPROCALLWEB, 15],
    ['eFORWARDALLMODESMASK', protocol.EnumForwardModes.eFORWARDALLMODESMASK, 32767],
    ['iPHONENUMBERTYPEALL', protocol.AsnContactPhoneLineType.iPHONENUMBERTYPEALL, -1],
  ];
  for (const [name, actual, expected] of spot) {
    test(`${name} is ${expected}`, () => {
      assert.equal(actual, expected);
    });
  }
});

describe('minimalContactV2', () => {
  test('minimalContactV2() is a valid AsnGetLoggedInContactV2Result.ownContact', () => {
    const text = serializeRose(
      buildResult({ invokeID: 1 }, 'asnGetLoggedInContactV2', { u8sLoggedInUser: 'alice', ownContact: minimalContactV2('alice@example.com', 'Alice') }),
      'tcp',
    );
    const parsed = operations.asnGetLoggedInContactV2.result.parse(JSON.parse(text).result.result.result);
    assert.equal(parsed.ownContact.asnRemoteContact.u8sDisplayName, 'Alice');
    assert.equal(parsed.ownContact.asnNextAppointment.stStart, '');
    assert.deepEqual(parsed.ownContact.seqPhoneLines, []);
  });
});
