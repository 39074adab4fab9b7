// The route table: operationId (from contracts/openapi.yaml, which also gives method and path) → handler.
// createApp() refuses to start if an operation in the contract has no handler here.

import { createToken, tokenize } from './handlers/auth.js';
import {
  cancelOrder,
  captureOrder,
  externalCancelOrder,
  getOrder,
  listOrders,
  refundOrder,
} from './handlers/orders.js';
import * as partner from './handlers/partner/index.js';
import { evaluate, getOutcome, transmit } from './handlers/transactions.js';
import type { Handler } from './types.js';

export const ROUTES: Record<string, Handler> = {
  createToken,
  tokenize,
  evaluate,
  transmit,
  getOutcome,
  listOrders,
  getOrder,
  captureOrder,
  refundOrder,
  cancelOrder,
  externalCancelOrder,
  createApiKey: partner.createApiKey,
  getApiKey: partner.getApiKey,
  deleteApiKey: partner.deleteApiKey,
  listMerchants: partner.listMerchants,
  getMerchant: partner.getMerchant,
  createApplication: partner.createApplication,
  inviteApplicant: partner.inviteApplicant,
  listApplications: partner.listApplications,
  getApplication: partner.getApplication,
  updateApplication: partner.updateApplication,
  submitApplication: partner.submitApplication,
  cancelApplication: partner.cancelApplication,
  convertApplication: partner.convertApplication,
  uploadDocument: partner.uploadDocument,
  listDocuments: partner.listDocuments,
  getDocument: partner.getDocument,
  deleteDocument: partner.deleteDocument,
};

/** Partner-only operations: a merchant's token gets 403002 on these. */
export const PARTNER_OPERATIONS: ReadonlySet<string> = new Set(
  Object.keys(ROUTES).filter((id) => id in partner),
);
