// Partner endpoints, one module per resource. Only partner accounts get here (the pipeline answers 403002 to plain
// merchants); state lives per test session in mock/domain/partner-store.ts. The route table treats every operation
// exported here as partner-only, so export handlers only.

export { createApiKey, deleteApiKey, getApiKey } from './api-keys.js';
export {
  cancelApplication,
  convertApplication,
  createApplication,
  getApplication,
  inviteApplicant,
  listApplications,
  submitApplication,
  updateApplication,
} from './applications.js';
export { deleteDocument, getDocument, listDocuments, uploadDocument } from './documents.js';
export { getMerchant, listMerchants } from './merchants.js';
