// The e2e suite's network namespace (the helpers live in the testkit, where TestNetwork's own tests use them).
export { assertIsolated, enterNetworkNamespace, interfaceNames } from '@ucserver/testkit';
