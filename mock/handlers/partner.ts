// Partner endpoints (API keys, merchants, onboarding applications and documents).
// PLACEHOLDER — being written; every handler answers 500 until then.

import { apiError } from '../catalog.js';
import type { Reply } from '../engine.js';

const todo = (): Reply => {
  throw apiError('500001');
};
export const createApiKey = todo;
export const getApiKey = todo;
export const deleteApiKey = todo;
export const listMerchants = todo;
export const getMerchant = todo;
export const createApplication = todo;
export const inviteApplicant = todo;
export const listApplications = todo;
export const getApplication = todo;
export const updateApplication = todo;
export const submitApplication = todo;
export const cancelApplication = todo;
export const convertApplication = todo;
export const uploadDocument = todo;
export const listDocuments = todo;
export const getDocument = todo;
export const deleteDocument = todo;
