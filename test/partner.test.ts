// Partner endpoints end to end (API keys, merchants, onboarding applications and documents), in process through
// supertest, with response validation on: any response that drifts from contracts/openapi.yaml fails as 500002.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import {
  DEFAULT_MERCHANT,
  DEFAULT_PARTNER,
  type MerchantAccount,
  SECOND_MERCHANT,
} from '../mock/domain/accounts.js';
import { STORE_BYTE_LIMITS } from '../mock/domain/store.js';
import { createApp, type MockApp } from '../mock/http/app.js';
import type { Logger } from '../mock/support/logger.js';

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const HOUR = 3_600_000;
const START = '2026-01-01T00:00:00.000Z';

function newApp(seed = 1): MockApp {
  return createApp({
    seed,
    validateResponses: true,
    logger: silent,
    clock: { start: '2026-01-01T00:00:00Z', frozen: true },
  });
}

/** A thin client: one bearer token per account and session, fetched again after the clock moved. */
class Client {
  readonly app: MockApp;
  readonly account: MerchantAccount;
  readonly session: string;
  #token: { value: string; at: number } | null = null;

  constructor(app: MockApp, account: MerchantAccount = DEFAULT_PARTNER, session = 'default') {
    this.app = app;
    this.account = account;
    this.session = session;
  }

  async token(): Promise<string> {
    const now = this.app.mock.clock.now();
    if (this.#token && now - this.#token.at < 60_000) return this.#token.value;
    const res = await request(this.app)
      .post('/v1/oauth2/token')
      .set('x-mock-session', this.session)
      .send({ AppKey: this.account.appKey, AppSecret: this.account.appSecret });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    this.#token = { value: res.body.accessToken as string, at: now };
    return this.#token.value;
  }

  async call(
    method: 'get' | 'post' | 'put' | 'delete',
    path: string,
    body?: unknown,
  ): Promise<request.Response> {
    const req = request(this.app)
      [method](path)
      .set('authorization', `Bearer ${await this.token()}`)
      .set('x-mock-session', this.session)
      // These tests read problem bodies (code, errors): ask for them, as a docs-based client does. Without the
      // header a validation error is the sandbox's flat ModelState (test/activemerchant.test.ts).
      .set('accept', 'application/json, application/problem+json');
    return body === undefined ? req : req.send(body as object);
  }

  async upload(
    applicationId: string,
    file: { content: Buffer; name: string; contentType?: string } | null,
    fields: Record<string, string> = { documentType: 'ID', description: 'Passport of the primary contact' },
  ): Promise<request.Response> {
    let req = request(this.app)
      .post(`/v1/onboarding/application/${applicationId}/documents`)
      .set('authorization', `Bearer ${await this.token()}`)
      .set('x-mock-session', this.session)
      .set('accept', 'application/json, application/problem+json');
    for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
    if (file) {
      req = req.attach(
        'document',
        file.content,
        file.contentType ? { filename: file.name, contentType: file.contentType } : file.name,
      );
    }
    return req;
  }
}

function assertProblem(res: request.Response, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.equal(res.body.type, `urn:flexfactor-mock:error:${code}`);
}

const FULL_APPLICATION = {
  LegalEntityName: 'Acme Widgets LLC',
  Dba: 'Acme Widgets',
  PrimaryContact: {
    FirstName: 'Ada',
    LastName: 'Lovelace',
    Email: 'ada@acme.example',
    Phone: '+1 415 555 0100',
  },
  TaxId: '12-3456789',
  Descriptor: 'ACME WIDGETS',
  CustomerSupportInformation: {
    SupportLink: 'https://acme.example/help',
    SupportEmail: 'support@acme.example',
    SupportName: 'Acme Support',
    SupportPhone: '+1 415 555 0101',
  },
  BankAccountInformation: {
    BankName: 'First Example Bank',
    AccountNumber: '000123456789',
    RoutingNumber: '110000000',
    AccountType: 'Checking',
  },
  Address: {
    AddressLine1: '1 Market St.',
    AddressLine2: 'Suite 400',
    City: 'San Francisco',
    State: 'CA',
    Zipcode: '94105',
    Country: 'US',
  },
  CompanyInUS: true,
  BusinessType: 'Limited Liability Company',
  EcommercePlatform: 'Shopify',
  EstablishedDate: '2019-03-01',
  MCC: 5999,
  WebsiteUrl: 'https://acme.example',
  Description: 'Hand-made widgets, shipped worldwide.',
  PCIDSS: true,
};

const SUBMITTED_OK = {
  status: 'SUCCESS',
  success: true,
  result: 'Application submitted successfully.',
  statusCode: '200',
  errors: [],
  customProperties: {},
};

function failedBody(message: string): Record<string, unknown> {
  return {
    status: 'FAILED',
    success: false,
    result: null,
    statusCode: '400',
    errors: [message],
    customProperties: {},
  };
}

let app: MockApp;
let partner: Client;

beforeEach(() => {
  app = newApp();
  partner = new Client(app);
});

afterEach(() => {
  assert.deepEqual(app.mock.violations, [], 'every response conforms to contracts/openapi.yaml');
});

describe('access', () => {
  const CALLS: [method: 'get' | 'post' | 'put' | 'delete', path: string, body?: unknown][] = [
    ['post', '/v1/api-keys', { mid: DEFAULT_MERCHANT.mid, name: 'x', type: 'secret' }],
    ['get', '/v1/api-keys/some-key'],
    ['delete', '/v1/api-keys/some-key'],
    ['get', '/v1/merchants'],
    ['get', `/v1/merchants/${DEFAULT_MERCHANT.mid}`],
    ['post', '/v1/onboarding/application', { LegalEntityName: 'A', Dba: 'A' }],
    [
      'post',
      '/v1/onboarding/application/invite',
      { LegalEntityName: 'A', Dba: 'A', PrimaryContact: { Email: 'a@a.example' } },
    ],
    ['get', '/v1/onboarding/application/list'],
    ['get', '/v1/onboarding/application/app-1'],
    ['put', '/v1/onboarding/application/app-1', { Dba: 'B' }],
    ['post', '/v1/onboarding/application/app-1/submit'],
    ['post', '/v1/onboarding/application/app-1/cancel'],
    ['post', '/v1/onboarding/application/app-1/convert'],
    ['post', '/v1/onboarding/application/app-1/documents'],
    ['get', '/v1/onboarding/application/app-1/documents'],
    ['get', '/v1/onboarding/application/app-1/documents/document_000001'],
    ['delete', '/v1/onboarding/application/app-1/documents/document_000001'],
  ];

  test('a plain merchant token gets 403002 on every partner operation', async () => {
    const merchant = new Client(app, DEFAULT_MERCHANT);
    for (const [method, path, body] of CALLS) {
      const res = await merchant.call(method, path, body);
      assertProblem(res, 403, '403002');
    }
  });

  test('no token is 401001', async () => {
    assertProblem(await request(app).get('/v1/merchants'), 401, '401001');
  });
});

describe('API keys', () => {
  test('create returns the full value once; later reads show only the last four', async () => {
    const created = await partner.call('post', '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: 'Checkout backend',
      type: 'secret',
      scopes: ['customers:read', 'charges:read'],
    });
    assert.equal(created.status, 200);
    const key = created.body;
    assert.match(key.value, /^sk_test_[A-Za-z0-9]{24}$/);
    assert.match(key.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      {
        mid: key.mid,
        name: key.name,
        type: key.type,
        scopes: key.scopes,
        created_at: key.created_at,
        errors: key.errors,
      },
      {
        mid: DEFAULT_MERCHANT.mid,
        name: 'Checkout backend',
        type: 'secret',
        scopes: ['customers:read', 'charges:read'],
        created_at: START,
        errors: [],
      },
    );

    const read = await partner.call('get', `/v1/api-keys/${key.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, {
      status: 'SUCCESS',
      success: true,
      id: key.id,
      name: 'Checkout backend',
      type: 'secret',
      scopes: ['customers:read', 'charges:read'],
      createdOn: START,
      lastUsed: null,
      lastFour: key.value.slice(-4),
      errors: [],
    });
    assert.equal(JSON.stringify(read.body).includes(key.value), false, 'the full value is never shown again');
  });

  test('public and tokenization keys get their own prefixes; scopes default to []', async () => {
    const pub = await partner.call('post', '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: 'Web',
      type: 'public',
    });
    const tok = await partner.call('post', '/v1/api-keys', {
      MID: DEFAULT_MERCHANT.mid,
      Name: 'Vault',
      Type: 'tokenization',
    });
    assert.match(pub.body.value, /^pk_test_[A-Za-z0-9]{24}$/);
    assert.match(tok.body.value, /^tk_test_[A-Za-z0-9]{24}$/);
    assert.deepEqual(pub.body.scopes, []);
  });

  test('GET /v1/api-keys/{mid} lists that merchant’s keys in snake_case', async () => {
    const a = await partner.call('post', '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: 'A',
      type: 'secret',
    });
    app.mock.clock.advance(1000);
    const b = await partner.call('post', '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: 'B',
      type: 'public',
    });
    await partner.call('post', '/v1/api-keys', { mid: SECOND_MERCHANT.mid, name: 'Other', type: 'secret' });

    const list = await partner.call('get', `/v1/api-keys/${DEFAULT_MERCHANT.mid}`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, {
      keys: [
        {
          id: a.body.id,
          name: 'A',
          type: 'secret',
          created_at: START,
          last_used: null,
          last_four: a.body.value.slice(-4),
        },
        {
          id: b.body.id,
          name: 'B',
          type: 'public',
          created_at: '2026-01-01T00:00:01.000Z',
          last_used: null,
          last_four: b.body.value.slice(-4),
        },
      ],
    });
    const other = await partner.call('get', `/v1/api-keys/${SECOND_MERCHANT.mid.toUpperCase()}`);
    assert.deepEqual(
      other.body.keys.map((k: { name: string }) => k.name),
      ['Other'],
    );
  });

  test('a duplicate name for the same merchant is a 200 failure body with null fields', async () => {
    await partner.call('post', '/v1/api-keys', { mid: DEFAULT_MERCHANT.mid, name: 'Same', type: 'secret' });
    const again = await partner.call('post', '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: 'same',
      type: 'public',
    });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, {
      id: null,
      mid: null,
      name: null,
      type: null,
      value: null,
      scopes: null,
      created_at: null,
      errors: ['A key with this name already exists for the merchant.'],
    });
  });

  test('delete answers the documented body; the key is gone afterwards', async () => {
    const key = await partner.call('post', '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: 'Old',
      type: 'secret',
    });
    const deleted = await partner.call('delete', `/v1/api-keys/${key.body.id}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {
      status: 'SUCCESS',
      success: true,
      result: 'API key deleted successfully.',
      errors: [],
    });
    assertProblem(await partner.call('get', `/v1/api-keys/${key.body.id}`), 404, '404003');
    // Deleting it again: the documented FAILED body (HTTP 200), not a 404 problem.
    const again = await partner.call('delete', `/v1/api-keys/${key.body.id}`);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, {
      status: 'FAILED',
      success: false,
      result: null,
      errors: ['API key not found.'],
    });
    const list = await partner.call('get', `/v1/api-keys/${DEFAULT_MERCHANT.mid}`);
    assert.deepEqual(list.body, { keys: [] });
  });

  test('unknown ids are 404003 (delete: the documented FAILED body); a foreign merchant is 403001', async () => {
    assertProblem(
      await partner.call('get', '/v1/api-keys/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'),
      404,
      '404003',
    );
    const unknown = await partner.call('delete', '/v1/api-keys/nope');
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.body.errors, ['API key not found.']);
    assert.equal(unknown.body.status, 'FAILED');
    const foreign = await partner.call('post', '/v1/api-keys', {
      mid: '11111111-2222-4333-8444-555555555555',
      name: 'x',
      type: 'secret',
    });
    assertProblem(foreign, 403, '403001');
  });

  test('request validation: a name with < or > and an unknown type are 400001', async () => {
    const res = await partner.call('post', '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: '<b>',
      type: 'root',
    });
    assertProblem(res, 400, '400001');
    assert.ok(res.body.errors.Name, JSON.stringify(res.body.errors));
    assert.ok(res.body.errors.Type, JSON.stringify(res.body.errors));
  });
});

describe('merchants', () => {
  test('list returns the partner’s merchants with fake, masked details', async () => {
    const res = await partner.call('get', '/v1/merchants');
    assert.equal(res.status, 200);
    assert.deepEqual(
      {
        pageNumber: res.body.pageNumber,
        pageSize: res.body.pageSize,
        pageCount: res.body.pageCount,
        total: res.body.totalItemCount,
      },
      { pageNumber: 1, pageSize: 10, pageCount: 1, total: 2 },
    );
    assert.deepEqual(
      res.body.items.map((m: { mid: string; companyName: string }) => [m.mid, m.companyName]),
      [
        [DEFAULT_MERCHANT.mid, 'Mock Shoes Inc.'],
        [SECOND_MERCHANT.mid, 'Mock Subscriptions LLC'],
      ],
    );
    const first = res.body.items[0];
    assert.equal(first.dba, 'Mock Shoes');
    assert.equal(first.status, 1);
    assert.equal(first.statusName, 'ACTIVE');
    assert.equal(first.bankAccountInformation.accountNumber, null);
    assert.match(first.bankAccountInformation.maskedAccountNumber, /^\*{4}\d{4}$/);
    assert.match(first.bankAccountInformation.maskedRoutingNumber, /^\*{4}\d{4}$/);
    assert.match(first.primaryContact.email, /@mock-shoes\.example$/);
    assert.equal(first.website, 'https://mock-shoes.example');
  });

  test('paging: pageSize 1, page 2 is the second merchant', async () => {
    const res = await partner.call('get', '/v1/merchants?pageSize=1&pageNumber=2');
    assert.equal(res.status, 200);
    assert.equal(res.body.pageCount, 2);
    assert.deepEqual(
      res.body.items.map((m: { mid: string }) => m.mid),
      [SECOND_MERCHANT.mid],
    );
    const beyond = await partner.call('get', '/v1/merchants?pageSize=1&pageNumber=3');
    assert.deepEqual(beyond.body.items, []);
    assertProblem(await partner.call('get', '/v1/merchants?pageSize=0'), 400, '400012');
  });

  test('get returns the same merchant as the list, identical for the same seed', async () => {
    const list = await partner.call('get', '/v1/merchants');
    const one = await partner.call('get', `/v1/merchants/${SECOND_MERCHANT.mid}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, list.body.items[1]);

    const twin = new Client(newApp(), DEFAULT_PARTNER, 'another-session');
    const again = await twin.call('get', `/v1/merchants/${SECOND_MERCHANT.mid}`);
    assert.deepEqual(again.body, one.body);
    const otherSeed = await new Client(newApp(2)).call('get', `/v1/merchants/${SECOND_MERCHANT.mid}`);
    assert.notDeepEqual(otherSeed.body.accountId, one.body.accountId);
  });

  test('a merchant the partner does not act for (or the partner itself) is 404004', async () => {
    assertProblem(
      await partner.call('get', '/v1/merchants/11111111-2222-4333-8444-555555555555'),
      404,
      '404004',
    );
    assertProblem(await partner.call('get', `/v1/merchants/${DEFAULT_PARTNER.mid}`), 404, '404004');
  });
});

async function createApplication(client: Client, body: Record<string, unknown> = FULL_APPLICATION) {
  const res = await client.call('post', '/v1/onboarding/application', body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { id: string; status: string; [key: string]: unknown };
}

describe('onboarding applications', () => {
  test('create → DRAFT with the camelCase detail; the account number is masked', async () => {
    const created = await createApplication(partner);
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(created, {
      id: created.id,
      status: 'DRAFT',
      createdOn: START,
      lastUpdatedOn: START,
      legalEntityName: 'Acme Widgets LLC',
      dba: 'Acme Widgets',
      taxId: '12-3456789',
      descriptor: 'ACME WIDGETS',
      primaryContact: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@acme.example',
        phone: '+1 415 555 0100',
      },
      customerSupportInfo: {
        supportLink: 'https://acme.example/help',
        supportEmail: 'support@acme.example',
        supportName: 'Acme Support',
        supportPhone: '+1 415 555 0101',
      },
      address: {
        addressLine1: '1 Market St.',
        addressLine2: 'Suite 400',
        city: 'San Francisco',
        state: 'CA',
        zipcode: '94105',
        country: 'US',
      },
      bankAccountInformation: {
        bankName: 'First Example Bank',
        accountNumber: '********6789',
        routingNumber: '110000000',
        accountType: 'Checking',
      },
      companyInUS: true,
      businessType: 'Limited Liability Company',
      ecommercePlatform: 'Shopify',
      establishedDate: '2019-03-01',
      mcc: '5999',
      websiteUrl: 'https://acme.example',
      description: 'Hand-made widgets, shipped worldwide.',
      pcidss: true,
    });
    const read = await partner.call('get', `/v1/onboarding/application/${created.id}`);
    assert.deepEqual(read.body, created);
  });

  test('keys bind case-insensitively; missing Dba is 400001', async () => {
    const lower = await createApplication(partner, { legalentityname: 'Lower LLC', dba: 'Lower' });
    assert.equal(lower.dba, 'Lower');
    assert.deepEqual(lower.primaryContact, { firstName: null, lastName: null, email: null, phone: null });
    const bad = await partner.call('post', '/v1/onboarding/application', { LegalEntityName: 'No Dba LLC' });
    assertProblem(bad, 400, '400001');
    assert.deepEqual(bad.body.errors, { Dba: ['The Dba field is required.'] });
  });

  test('invite → a DRAFT application', async () => {
    app.mock.clock.advance(5000);
    const res = await partner.call('post', '/v1/onboarding/application/invite', {
      LegalEntityName: 'Globex LLC',
      Dba: 'Globex Outlet',
      PrimaryContact: { FirstName: 'Hank', LastName: 'Scorpio', Email: 'hank@globex.example' },
    });
    assert.equal(res.status, 200);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(res.body, {
      id: res.body.id,
      status: 'DRAFT',
      createdOn: '2026-01-01T00:00:05.000Z',
      lastUpdatedOn: '2026-01-01T00:00:05.000Z',
      errors: [],
    });
    const detail = await partner.call('get', `/v1/onboarding/application/${res.body.id}`);
    assert.equal(detail.body.primaryContact.email, 'hank@globex.example');
    assert.equal(detail.body.dba, 'Globex Outlet');
  });

  test('update merges the fields sent while DRAFT; refused (409004) once submitted', async () => {
    const a = await createApplication(partner);
    app.mock.clock.advance(60_000);
    const updated = await partner.call('put', `/v1/onboarding/application/${a.id}`, {
      WebsiteUrl: 'https://widgets.example',
      PrimaryContact: { Phone: '+1 415 555 0199' },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.websiteUrl, 'https://widgets.example');
    assert.deepEqual(updated.body.primaryContact, {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@acme.example',
      phone: '+1 415 555 0199',
    });
    assert.equal(updated.body.dba, 'Acme Widgets');
    assert.equal(updated.body.lastUpdatedOn, '2026-01-01T00:01:00.000Z');
    assert.equal(updated.body.createdOn, START);

    await partner.call('post', `/v1/onboarding/application/${a.id}/submit`);
    const refused = await partner.call('put', `/v1/onboarding/application/${a.id}`, { Dba: 'Too late' });
    assertProblem(refused, 409, '409004');
    const after = await partner.call('get', `/v1/onboarding/application/${a.id}`);
    assert.equal(after.body.dba, 'Acme Widgets');
  });

  test('submit: DRAFT → SUBMITTED; a second submit is the documented FAILED body (HTTP 200)', async () => {
    const a = await createApplication(partner);
    const submitted = await partner.call('post', `/v1/onboarding/application/${a.id}/submit`);
    assert.equal(submitted.status, 200);
    assert.deepEqual(submitted.body, SUBMITTED_OK);
    assert.equal((await partner.call('get', `/v1/onboarding/application/${a.id}`)).body.status, 'SUBMITTED');
    const again = await partner.call('post', `/v1/onboarding/application/${a.id}/submit`);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, failedBody('Application is already submitted.'));
  });

  test('invented review: APPROVED exactly 1 hour after submission; convert then yields a merchant', async () => {
    const a = await createApplication(partner);
    await partner.call('post', `/v1/onboarding/application/${a.id}/submit`);
    const early = await partner.call('post', `/v1/onboarding/application/${a.id}/convert`);
    assert.deepEqual(early.body, {
      merchantId: null,
      status: 'FAILED',
      success: false,
      result: null,
      errors: ['Only an APPROVED application can be converted.'],
    });

    app.mock.clock.advance(HOUR - 1);
    assert.equal((await partner.call('get', `/v1/onboarding/application/${a.id}`)).body.status, 'SUBMITTED');
    app.mock.clock.advance(1);
    const approved = await partner.call('get', `/v1/onboarding/application/${a.id}`);
    assert.equal(approved.body.status, 'APPROVED');
    assert.equal(approved.body.lastUpdatedOn, '2026-01-01T01:00:00.000Z');

    const converted = await partner.call('post', `/v1/onboarding/application/${a.id}/convert`);
    assert.equal(converted.status, 200);
    assert.match(converted.body.merchantId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(converted.body, {
      merchantId: converted.body.merchantId,
      status: 'SUCCESS',
      success: true,
      result: 'Application converted successfully.',
      errors: [],
    });
    const twice = await partner.call('post', `/v1/onboarding/application/${a.id}/convert`);
    assert.deepEqual(twice.body.errors, ['Application is already converted.']);
    assert.equal(twice.body.merchantId, null);
    const cancel = await partner.call('post', `/v1/onboarding/application/${a.id}/cancel`);
    assert.deepEqual(cancel.body, failedBody('Application has already been converted to a merchant.'));
  });

  test('invented review: a Dba containing "decline" is DECLINED; it can be cancelled but not converted', async () => {
    const a = await createApplication(partner, { LegalEntityName: 'Nope LLC', Dba: 'Please DECLINE me' });
    await partner.call('post', `/v1/onboarding/application/${a.id}/submit`);
    app.mock.clock.advance(HOUR);
    const list = await partner.call('get', '/v1/onboarding/application/list');
    assert.equal(list.body.rows[0].status, 'DECLINED');
    const convert = await partner.call('post', `/v1/onboarding/application/${a.id}/convert`);
    assert.equal(convert.body.status, 'FAILED');
    const cancelled = await partner.call('post', `/v1/onboarding/application/${a.id}/cancel`);
    assert.deepEqual(cancelled.body, {
      status: 'SUCCESS',
      success: true,
      result: 'Application cancelled successfully.',
      statusCode: '200',
      errors: [],
      customProperties: {},
    });
    assert.equal((await partner.call('get', `/v1/onboarding/application/${a.id}`)).body.status, 'CANCELLED');
  });

  test('cancel: allowed from DRAFT and SUBMITTED; a cancelled application refuses cancel, submit and update', async () => {
    const draft = await createApplication(partner);
    assert.equal(
      (await partner.call('post', `/v1/onboarding/application/${draft.id}/cancel`)).body.success,
      true,
    );
    const submitted = await createApplication(partner);
    await partner.call('post', `/v1/onboarding/application/${submitted.id}/submit`);
    assert.equal(
      (await partner.call('post', `/v1/onboarding/application/${submitted.id}/cancel`)).body.success,
      true,
    );
    // A cancelled application is never reviewed.
    app.mock.clock.advance(2 * HOUR);
    assert.equal(
      (await partner.call('get', `/v1/onboarding/application/${submitted.id}`)).body.status,
      'CANCELLED',
    );

    const again = await partner.call('post', `/v1/onboarding/application/${draft.id}/cancel`);
    assert.deepEqual(again.body, failedBody('Application is already cancelled.'));
    const submit = await partner.call('post', `/v1/onboarding/application/${draft.id}/submit`);
    assert.deepEqual(submit.body, failedBody('Application is already cancelled.'));
    assertProblem(
      await partner.call('put', `/v1/onboarding/application/${draft.id}`, { Dba: 'x' }),
      409,
      '409004',
    );
  });

  test('an unknown application id is 404005 on every application operation', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path, body] of [
      ['get', `/v1/onboarding/application/${id}`],
      ['put', `/v1/onboarding/application/${id}`, { Dba: 'x' }],
      ['post', `/v1/onboarding/application/${id}/submit`],
      ['post', `/v1/onboarding/application/${id}/cancel`],
      ['post', `/v1/onboarding/application/${id}/convert`],
      ['get', `/v1/onboarding/application/${id}/documents`],
      ['get', `/v1/onboarding/application/${id}/documents/document_123456`],
      ['delete', `/v1/onboarding/application/${id}/documents/document_123456`],
    ] as const) {
      assertProblem(await partner.call(method, path, body), 404, '404005');
    }
    assertProblem(
      await partner.upload(id, { content: Buffer.from('%PDF-1.4 test'), name: 'id.pdf' }),
      404,
      '404005',
    );
  });

  test('list: status filter, created range, sorting and paging', async () => {
    const zed = await createApplication(partner, { LegalEntityName: 'Z LLC', Dba: 'Zed Store' });
    app.mock.clock.advance(60_000);
    const alpha = await createApplication(partner, { LegalEntityName: 'A LLC', Dba: 'alpha shop' });
    app.mock.clock.advance(60_000);
    const mid = await createApplication(partner, { LegalEntityName: 'M LLC', Dba: 'Middle Mart' });
    await partner.call('post', `/v1/onboarding/application/${alpha.id}/submit`);

    const all = await partner.call('get', '/v1/onboarding/application/list');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body, {
      totalItemCount: 3,
      pageNumber: 1,
      pageSize: 10,
      rows: [
        { id: mid.id, createdOn: '2026-01-01T00:02:00.000Z', status: 'DRAFT', dba: 'Middle Mart' },
        { id: alpha.id, createdOn: '2026-01-01T00:01:00.000Z', status: 'SUBMITTED', dba: 'alpha shop' },
        { id: zed.id, createdOn: START, status: 'DRAFT', dba: 'Zed Store' },
      ],
    });
    const ids = (res: request.Response) => res.body.rows.map((r: { id: string }) => r.id);

    const drafts = await partner.call('get', '/v1/onboarding/application/list?status=DRAFT&sortOrder=asc');
    assert.deepEqual(ids(drafts), [zed.id, mid.id]);
    assert.equal(drafts.body.totalItemCount, 2);

    const byDba = await partner.call('get', '/v1/onboarding/application/list?sortBy=dba&sortOrder=asc');
    assert.deepEqual(ids(byDba), [alpha.id, mid.id, zed.id]);

    const byStatus = await partner.call(
      'get',
      '/v1/onboarding/application/list?sortBy=status&sortOrder=desc',
    );
    assert.equal(ids(byStatus)[0], alpha.id);

    const range = await partner.call(
      'get',
      '/v1/onboarding/application/list?createdFrom=2026-01-01T00:01:00Z&createdTo=2026-01-01T00:02:00Z',
    );
    assert.deepEqual(ids(range), [alpha.id]);

    const page = await partner.call(
      'get',
      '/v1/onboarding/application/list?pageSize=2&pageNumber=2&sortOrder=asc',
    );
    assert.deepEqual(page.body.rows.length, 1);
    assert.deepEqual(
      { total: page.body.totalItemCount, n: page.body.pageNumber, size: page.body.pageSize },
      {
        total: 3,
        n: 2,
        size: 2,
      },
    );
    assert.deepEqual(ids(page), [mid.id]);

    assertProblem(await partner.call('get', '/v1/onboarding/application/list?status=LOST'), 400, '400012');
    const badDate = await partner.call('get', '/v1/onboarding/application/list?createdFrom=yesterday');
    assertProblem(badDate, 400, '400012');
    assert.deepEqual(Object.keys(badDate.body.errors), ['createdFrom']);
  });

  test('list: the 1-hour review applies lazily to listed rows and to the status filter', async () => {
    const a = await createApplication(partner);
    await partner.call('post', `/v1/onboarding/application/${a.id}/submit`);
    app.mock.clock.advance(HOUR);
    const approved = await partner.call('get', '/v1/onboarding/application/list?status=APPROVED');
    assert.deepEqual(
      approved.body.rows.map((r: { id: string; status: string }) => [r.id, r.status]),
      [[a.id, 'APPROVED']],
    );
  });
});

describe('documents', () => {
  test('upload a PDF, list, get and delete it; only metadata is kept', async () => {
    const a = await createApplication(partner);
    const pdf = Buffer.from('%PDF-1.4 test');
    app.mock.clock.advance(1000);
    const up = await partner.upload(a.id, { content: pdf, name: 'id.pdf' });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.match(up.body.uploadedDocumentId, /^document_\d{6}$/);
    assert.deepEqual(up.body, {
      status: 'SUCCESS',
      success: true,
      result: 'Document uploaded successfully.',
      uploadedDocumentId: up.body.uploadedDocumentId,
      errors: [],
    });
    const documentId = up.body.uploadedDocumentId as string;

    const list = await partner.call('get', `/v1/onboarding/application/${a.id}/documents`);
    assert.equal(list.status, 200);
    assert.equal(list.body.totalDocuments, 1);
    const [doc] = list.body.documents;
    const expires = Date.parse('2026-01-01T00:00:01Z') / 1000 + 900;
    // supertest listens on a fresh ephemeral port per request: the URL carries the host the request was sent to.
    const url = `/v1/onboarding/application/${a.id}/documents/${documentId}?download=1&expires=${expires}`;
    assert.match(doc.downloadUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(doc.downloadUrl.replace(/^http:\/\/[^/]+/, ''), url);
    assert.deepEqual(
      { ...doc, downloadUrl: undefined },
      {
        documentId,
        documentType: 'ID',
        description: 'Passport of the primary contact',
        uploadedOn: '2026-01-01T00:00:01.000Z',
        fileName: 'id.pdf',
        fileType: 'application/pdf',
        fileSize: pdf.length,
        downloadUrl: undefined,
      },
    );
    assert.deepEqual(list.body.errors, []);

    const one = await partner.call('get', `/v1/onboarding/application/${a.id}/documents/${documentId}`);
    assert.equal(one.status, 200);
    assert.deepEqual({ ...one.body, downloadUrl: undefined }, { ...doc, downloadUrl: undefined });
    assert.equal(one.body.downloadUrl.replace(/^http:\/\/[^/]+/, ''), url);

    const deleted = await partner.call(
      'delete',
      `/v1/onboarding/application/${a.id}/documents/${documentId}`,
    );
    assert.deepEqual(deleted.body, {
      status: 'SUCCESS',
      success: true,
      result: 'Document deleted successfully.',
      statusCode: '200',
      errors: [],
      customProperties: {},
    });
    assertProblem(
      await partner.call('get', `/v1/onboarding/application/${a.id}/documents/${documentId}`),
      404,
      '404006',
    );
    assertProblem(
      await partner.call('delete', `/v1/onboarding/application/${a.id}/documents/${documentId}`),
      404,
      '404006',
    );
    const empty = await partner.call('get', `/v1/onboarding/application/${a.id}/documents`);
    assert.deepEqual(
      { total: empty.body.totalDocuments, docs: empty.body.documents },
      { total: 0, docs: [] },
    );
  });

  test('a document of another application is 404006; accepted by extension when the MIME type is generic', async () => {
    const a = await createApplication(partner);
    const b = await createApplication(partner);
    const up = await partner.upload(
      a.id,
      { content: Buffer.from('a,b\n1,2\n'), name: 'statement.CSV', contentType: 'application/octet-stream' },
      { documentType: 'BankStatement' },
    );
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const one = await partner.call(
      'get',
      `/v1/onboarding/application/${a.id}/documents/${up.body.uploadedDocumentId}`,
    );
    assert.equal(one.body.fileType, 'text/csv');
    assert.equal(one.body.description, null);
    assertProblem(
      await partner.call('get', `/v1/onboarding/application/${b.id}/documents/${up.body.uploadedDocumentId}`),
      404,
      '404006',
    );
  });

  test('a document over 10 MB is 413001 and nothing is stored', async () => {
    const a = await createApplication(partner);
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x41);
    const res = await partner.upload(a.id, { content: big, name: 'huge.pdf' });
    assertProblem(res, 413, '413001');
    assert.match(res.body.detail, /10485760 bytes/);
    const list = await partner.call('get', `/v1/onboarding/application/${a.id}/documents`);
    assert.equal(list.body.totalDocuments, 0);
    // Exactly 10 MB is accepted.
    const limit = await partner.upload(a.id, { content: big.subarray(1), name: 'limit.pdf' });
    assert.equal(limit.status, 200, JSON.stringify(limit.body));
  });

  test('a non-multipart upload is 415001', async () => {
    const a = await createApplication(partner);
    const json = await partner.call('post', `/v1/onboarding/application/${a.id}/documents`, {
      document: 'aGVsbG8=',
      documentType: 'ID',
    });
    assertProblem(json, 415, '415001');
    const text = await request(app)
      .post(`/v1/onboarding/application/${a.id}/documents`)
      .set('authorization', `Bearer ${await partner.token()}`)
      .set('content-type', 'text/plain')
      .send('just text');
    assertProblem(text, 415, '415001');
  });

  test('validation: wrong file type, missing file, missing documentType → 400001 naming the field', async () => {
    const a = await createApplication(partner);
    const exe = await partner.upload(a.id, {
      content: Buffer.from('MZ'),
      name: 'tool.exe',
      contentType: 'application/x-msdownload',
    });
    assertProblem(exe, 400, '400001');
    assert.deepEqual(Object.keys(exe.body.errors), ['Document']);
    assert.match(exe.body.errors.Document[0], /PDF, JPEG, PNG, XLS, CSV or DOC/);

    const noFile = await partner.upload(a.id, null, { documentType: 'ID' });
    assertProblem(noFile, 400, '400001');
    assert.deepEqual(noFile.body.errors, { Document: ['The Document field is required.'] });

    const noType = await partner.upload(a.id, { content: Buffer.from('png'), name: 'logo.png' }, {});
    assertProblem(noType, 400, '400001');
    assert.deepEqual(noType.body.errors, { DocumentType: ['The DocumentType field is required.'] });
  });
});

describe('sessions', () => {
  test('sessions a and b do not see each other’s applications, keys or documents', async () => {
    const a = new Client(app, DEFAULT_PARTNER, 'a');
    const b = new Client(app, DEFAULT_PARTNER, 'b');
    const inA = await createApplication(a);
    await a.call('post', '/v1/api-keys', { mid: DEFAULT_MERCHANT.mid, name: 'A key', type: 'secret' });

    assertProblem(await b.call('get', `/v1/onboarding/application/${inA.id}`), 404, '404005');
    assert.deepEqual((await b.call('get', '/v1/onboarding/application/list')).body.rows, []);
    assert.deepEqual((await b.call('get', `/v1/api-keys/${DEFAULT_MERCHANT.mid}`)).body.keys, []);
    assert.equal((await a.call('get', '/v1/onboarding/application/list')).body.totalItemCount, 1);

    // Resetting session a drops its partner state.
    app.mock.store.reset('a');
    assertProblem(await a.call('get', `/v1/onboarding/application/${inA.id}`), 404, '404005');
  });

  test('applications with long fields stay within the partner byte budget of all sessions; the oldest go first', async () => {
    const created = async (client: Client, i: number): Promise<string> => {
      const res = await client.call('post', '/v1/onboarding/application', {
        ...FULL_APPLICATION,
        Description: `${i} ${'d'.repeat(900_000)}`,
      });
      assert.equal(res.status, 200);
      return res.body.id as string;
    };
    const a = new Client(app, DEFAULT_PARTNER, 'long-a');
    const b = new Client(app, DEFAULT_PARTNER, 'long-b');
    const first = await created(a, 0);
    const ids: string[] = [];
    for (let i = 1; i <= 20; i++) ids.push(await created(b, i));
    const budget = app.mock.store.budget.partner;
    assert.ok(budget.bytes <= STORE_BYTE_LIMITS.partner, `${budget.bytes} bytes kept`);
    assert.ok(budget.size < 20, `${budget.size} applications kept`);
    // Session a's application was the oldest anywhere: it went first. Then session b's own oldest.
    assertProblem(await a.call('get', `/v1/onboarding/application/${first}`), 404, '404005');
    assertProblem(await b.call('get', `/v1/onboarding/application/${ids[0]}`), 404, '404005');
    assert.equal((await b.call('get', `/v1/onboarding/application/${ids[19]}`)).status, 200);
    const list = await b.call('get', '/v1/onboarding/application/list?pageSize=100');
    assert.equal(list.body.totalItemCount, budget.size);
  });

  test('the same seed and requests give the same ids', async () => {
    const run = async () => {
      const client = new Client(newApp(7), DEFAULT_PARTNER, 'same');
      const application = await createApplication(client);
      const key = await client.call('post', '/v1/api-keys', {
        mid: DEFAULT_MERCHANT.mid,
        name: 'K',
        type: 'secret',
      });
      const doc = await client.upload(application.id, { content: Buffer.from('%PDF-1.4'), name: 'a.pdf' });
      return [application.id, key.body.id, key.body.value, doc.body.uploadedDocumentId];
    };
    assert.deepEqual(await run(), await run());
  });
});
