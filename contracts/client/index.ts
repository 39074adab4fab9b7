// The reference FlexFactor v1 client: the class, its errors and the types generated from contracts/openapi.yaml.

export {
  type CancelOptions,
  type CaptureInput,
  type EvaluateInput,
  FlexFactorClient,
  type FlexFactorClientOptions,
  memoryTokenCache,
  RETRY_SAFE,
  type RetryInfo,
  type TokenCache,
} from './client.js';
export { FlexFactorError, FlexFactorTransportError } from './errors.js';
export type * from './types.gen.js';
