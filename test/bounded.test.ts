// The shared budget (Ledger), the Map helper and the store's use of them: what keeps memory flat.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type Address,
  lastUpdated,
  none,
  ORDER_STATUS,
  type Order,
  type StatusChange,
  shareOrderStrings,
  statusHistory,
  TRANSITIONS,
  type TransitionName,
  transition,
} from '../mock/domain/order-states.js';
import {
  type ApiKeyRecord,
  type ApplicationRecord,
  type DocumentRecord,
  partnerRecordBytes,
  partnerStateBytes,
} from '../mock/domain/partner-store.js';
import { keyBytes, orderBytes, Store, type VaultedCard } from '../mock/domain/store.js';
import {
  evictOldest,
  flat,
  LEDGER_SLOT,
  Ledger,
  type LedgerOwner,
  RecordPool,
  valueBytes,
} from '../mock/support/bounded.js';
import { applicationRecord, storedOrder, T0 } from './helpers.js';

const DEFAULT_MID = 'mid-1';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
setFlagsFromString('--no-expose-gc');

interface Item {
  id: number;
}

function recorder(): { owner: LedgerOwner<Item>; evicted: number[] } {
  const evicted: number[] = [];
  return { owner: { evict: (item) => evicted.push(item.id) }, evicted };
}

test('a full budget evicts the oldest entry, through the owner it was admitted with', () => {
  const ledger = new Ledger<Item>(3);
  const a = recorder();
  const b = recorder();
  const items = Array.from({ length: 6 }, (_, id) => ({ id }));
  items.forEach((item, i) => {
    ledger.admit(item, i % 2 === 0 ? a.owner : b.owner);
  });
  assert.equal(ledger.size, 3);
  assert.deepEqual(a.evicted, [0, 2]);
  assert.deepEqual(b.evicted, [1]);
});

test('a forgotten entry frees its slot and is never evicted later; admitting again makes an entry the newest', () => {
  const ledger = new Ledger<Item>(3);
  const { owner, evicted } = recorder();
  const [one, two, three, four, five] = [1, 2, 3, 4, 5].map((id) => ({ id })) as [
    Item,
    Item,
    Item,
    Item,
    Item,
  ];
  ledger.admit(one, owner);
  ledger.admit(two, owner);
  ledger.admit(three, owner);
  ledger.forget(two);
  ledger.admit(four, owner); // fills the freed slot: nothing evicted
  assert.deepEqual(evicted, []);
  ledger.admit(one, owner); // one becomes the newest: three is now the oldest
  ledger.admit(five, owner);
  assert.deepEqual(evicted, [3]);
  assert.equal(ledger.size, 3);
});

test('an entry carries its own queue position: a copy carrying it is not live, and bytes are counted once', () => {
  const ledger = new Ledger<Item>(2, 100);
  const { owner, evicted } = recorder();
  // One declares the position field in its literal (as orders, cards and keys do), one gets it on admission.
  const declared: Item = { id: 1, [LEDGER_SLOT]: -1 } as Item;
  const plain: Item = { id: 2 };
  ledger.admit(declared, owner, 30);
  ledger.admit(plain, owner, 40);
  assert.equal(ledger.bytes, 70);
  // An object spread copies the position; the copy is not the entry at that position, so forgetting it does nothing.
  const copy = { ...declared };
  ledger.forget(copy);
  assert.equal(ledger.size, 2);
  assert.equal(ledger.bytes, 70);
  // Neither does a position from elsewhere (another ledger's, a stale one).
  ledger.forget({ id: 9, [LEDGER_SLOT]: 0 } as Item);
  ledger.forget({ id: 9, [LEDGER_SLOT]: 12345 } as Item);
  assert.equal(ledger.size, 2);
  // Admitting the copy is a new entry: the oldest (declared) goes, through its owner.
  ledger.admit(copy, owner, 10);
  assert.deepEqual(evicted, [1]);
  assert.equal(ledger.bytes, 50);
  // A forgotten entry admitted again counts its new size only.
  ledger.forget(plain);
  ledger.admit(plain, owner, 25);
  assert.equal(ledger.size, 2);
  assert.equal(ledger.bytes, 35);
  ledger.forget(declared); // evicted already: nothing to do
  assert.equal(ledger.bytes, 35);
});

test('resize counts an entry at its new size: in place while the budget holds, else as the newest, or evicted past it', () => {
  const ledger = new Ledger<Item>(10, 100);
  const { owner, evicted } = recorder();
  const [a, b, c] = [1, 2, 3].map((id) => ({ id })) as [Item, Item, Item];
  ledger.admit(a, owner, 20);
  ledger.admit(b, owner, 20);
  ledger.admit(c, owner, 20);
  // Growing within the budget keeps the entry's place: a is still the oldest.
  ledger.resize(a, 50);
  assert.equal(ledger.bytes, 90);
  ledger.resize(b, 10);
  assert.equal(ledger.bytes, 80);
  assert.deepEqual(evicted, []);
  // Growing past the total makes it the newest, and the oldest others go to make room: a (50), not c.
  ledger.resize(c, 60);
  assert.deepEqual(evicted, [1]);
  assert.deepEqual([ledger.size, ledger.bytes], [2, 70]);
  ledger.resize(b, 45); // 45 + 60 > 100: b is re-admitted, and c (now the oldest) goes
  assert.deepEqual(evicted, [1, 3]);
  assert.deepEqual([ledger.size, ledger.bytes], [1, 45]);
  // An entry that is not live is left alone; one that grows past the whole budget goes itself, others stay.
  ledger.resize(a, 1_000);
  ledger.resize({ id: 9 }, 5);
  assert.deepEqual([ledger.size, ledger.bytes], [1, 45]);
  ledger.admit(a, owner, 10);
  ledger.resize(b, 101);
  assert.deepEqual(evicted, [1, 3, 2]);
  assert.deepEqual([ledger.size, ledger.bytes], [1, 10]);
  ledger.resize(b, 5);
  assert.equal(ledger.bytes, 10);
});

test('long runs of admissions and releases keep the eviction order exact', () => {
  const ledger = new Ledger<Item>(100);
  const { owner, evicted } = recorder();
  const expected: number[] = [];
  const live: number[] = [];
  for (let id = 0; id < 50_000; id++) {
    const item = { id };
    if (live.length >= 100) expected.push(live.shift() as number);
    ledger.admit(item, owner);
    live.push(id);
    // Every third entry is released right away (a failed idempotent request gives its key back).
    if (id % 3 === 0) {
      ledger.forget(item);
      live.pop();
    }
  }
  assert.deepEqual(evicted, expected);
  assert.equal(ledger.size, live.length);
});

test('evictOldest trims a Map to make room for one more, oldest first', () => {
  const map = new Map([1, 2, 3, 4].map((n) => [n, `v${n}`]));
  const gone: string[] = [];
  evictOldest(map, 3, (value) => gone.push(value));
  assert.deepEqual([...map.keys()], [3, 4]);
  assert.deepEqual(gone, ['v1', 'v2']);
});

test('resetting or evicting a session gives its orders, cards and idempotency keys back to the budgets', () => {
  const store = new Store(1, { orders: 100, idempotencyKeys: 100, cards: 100 });
  const fill = (name: string, count: number) => {
    const partition = store.session(name).partition('mid-1');
    for (let i = 0; i < count; i++) {
      partition.addOrder({
        id: `${name}-${i}`,
        mid: 'mid-1',
        externalOrderId: `ext-${i}`,
        referenceNumber: `tx-${i}`,
        currencyCode: 'USD',
        refunds: [],
        schedule: [],
      } as unknown as Order);
      partition.addCard({ token: `${name}-card-${i}` } as VaultedCard);
      partition.claimIdempotencyKey('evaluate', `${name}-key-${i}`, { i }, 0);
    }
  };
  const sizes = () => [store.budget.orders.size, store.budget.cards.size, store.budget.idempotencyKeys.size];
  fill('a', 30);
  fill('b', 20);
  assert.deepEqual(sizes(), [50, 50, 50]);
  store.reset('a');
  assert.deepEqual(sizes(), [20, 20, 20]);
  // The freed room is really free: 80 more fit without evicting anything of session b.
  fill('c', 80);
  assert.equal(store.session('b').partition('mid-1').orders.size, 20);
  store.resetAll();
  assert.deepEqual(sizes(), [0, 0, 0]);
});

test('partner records of all sessions share one byte budget: the oldest are forgotten first, wherever they live', () => {
  const maxBytes = 256 * 1024;
  const store = new Store(1, { partner: 50 }, { byteLimits: { partner: maxBytes } });
  const one = partnerRecordBytes(applicationRecord('a-0', 20_000));
  const a = store.session('a').partner();
  const b = store.session('b').partner();
  for (let i = 0; i < 4; i++) a.addApplication(applicationRecord(`a-${i}`, 20_000));
  a.addDocument({ documentId: 'doc-0', applicationId: 'a-0' } as DocumentRecord);
  a.addApiKey({ id: 'key-0', name: 'k' } as ApiKeyRecord);
  // Session b's applications push out session a's oldest: a-0 first, and its document with it.
  for (let i = 0; i < 20; i++) {
    b.addApplication(applicationRecord(`b-${i}`, 20_000));
    assert.ok(store.budget.partner.bytes <= maxBytes);
  }
  const fit = Math.floor(maxBytes / one);
  assert.equal(store.budget.partner.size, fit);
  assert.deepEqual([...a.applications.keys()], []);
  assert.equal(a.documents.size, 0);
  assert.equal(a.apiKeys.size, 0);
  assert.equal(b.applications.size, fit);
  assert.ok(b.applications.has('b-19') && !b.applications.has(`b-${19 - fit}`));

  // One value longer than the whole budget is kept alone rather than refused; the count limit holds too.
  b.addApplication(applicationRecord('huge', 200_000));
  assert.deepEqual([...b.applications.keys()], ['huge']);
  for (let i = 0; i < 100; i++) a.addApiKey({ id: `key-${i}`, name: 'k' } as ApiKeyRecord);
  assert.equal(store.budget.partner.size, 50);
  assert.equal(a.apiKeys.size, 50);

  // A reset session gives its share back at once; an edited application is counted at its new size.
  store.reset('a');
  assert.deepEqual([store.budget.partner.size, b.applications.size], [0, 0]);
  const small = applicationRecord('small', 10);
  b.addApplication(small);
  const before = store.budget.partner.bytes;
  (small.fields as { Description: string }).Description = 'd'.repeat(5_000);
  b.updatedApplication(small);
  assert.equal(store.budget.partner.bytes, before + 10_000 - 20);
  store.resetAll();
  assert.deepEqual([store.budget.partner.size, store.budget.partner.bytes], [0, 0]);
});

test('an order counts every string a client gave it: long transaction ids, currencies and refunds fill the budget', () => {
  const maxBytes = 200_000;
  const store = new Store(1, {}, { byteLimits: { orders: maxBytes } });
  const partition = store.session('s').partition(DEFAULT_MID);
  // What the session holds now (a reset replaces its partitions).
  const live = () => [...store.session('s').partition(DEFAULT_MID).orders.values()];
  const total = () => live().reduce((sum, order) => sum + orderBytes(order), 0);
  // Two fields the estimate used to leave out, 50,000 characters each: at most one such order fits.
  for (let n = 0; n < 4; n++) {
    partition.addOrder(storedOrder(n, { referenceNumber: `${n}`.padEnd(50_000, 'r') }));
    partition.addOrder(storedOrder(n + 10, { currencyCode: `${n}`.padEnd(50_000, 'c') }));
  }
  assert.deepEqual(
    live().map((o) => o.id),
    ['order-13'],
  );
  assert.equal(store.budget.orders.bytes, total());
  store.reset('s');

  // Refunds grow an order after it was admitted: each is counted as it lands, and the oldest orders make room.
  const orders = Array.from({ length: 20 }, (_, n) => storedOrder(n));
  const refunded = store.session('s').partition(DEFAULT_MID);
  for (const order of orders) refunded.addOrder(order);
  assert.equal(refunded.orders.size, 20);
  const refund = (order: Order, name: 'refundPartially' | 'refundFully', message = 'm'.repeat(10_000)) => {
    order.refunds = [
      ...order.refunds,
      {
        id: `refund-${order.refunds.length}`,
        amount: 100,
        message,
        transactionId: 't'.repeat(1_000),
        createdOn: T0,
      },
    ];
    store.apply(order, name, 0);
  };
  const [eighteen, nineteen] = [orders[18], orders[19]] as [Order, Order];
  for (let i = 0; i < 4; i++) refund(nineteen, 'refundPartially');
  refund(eighteen, 'refundFully');
  // About 150 KB now: everything still fits, each order counted at its new size.
  assert.equal(refunded.orders.size, 20);
  assert.equal(store.budget.orders.bytes, total());
  for (let i = 0; i < 3; i++) refund(nineteen, 'refundPartially');
  assert.equal(store.budget.orders.bytes, total());
  assert.ok(store.budget.orders.bytes <= maxBytes, `${store.budget.orders.bytes} bytes`);
  // Past the budget, order-19 became the newest and the oldest orders made room; order-18 stayed.
  const ids = [...refunded.orders.keys()];
  assert.ok(ids.length < 20 && ids.length > 2, `${ids.length} orders kept`);
  assert.ok(!ids.includes('order-0') && ids.includes('order-18') && ids.includes('order-19'), ids.join());
  // An order whose refunds alone pass the whole budget is forgotten itself, not kept alone at any size.
  refund(nineteen, 'refundPartially', 'm'.repeat(maxBytes));
  assert.deepEqual([...refunded.orders.keys()], ids.slice(0, -1));
  assert.equal(store.budget.orders.bytes, total());
});

test('an idempotency record counts the response it keeps for replays, body and headers', () => {
  const maxBytes = 100_000;
  const store = new Store(1, {}, { byteLimits: { idempotencyKeys: maxBytes } });
  const partition = store.session('s').partition(DEFAULT_MID);
  const key = (n: number) => `key-${n}`;
  partition.claimIdempotencyKey('evaluate', key(0), { n: 0 }, 0);
  const claimed = store.budget.idempotencyKeys.bytes;
  const body = {
    status: 'APPROVED',
    echoed: 'e'.repeat(10_000),
    items: Array.from({ length: 100 }, () => ({})),
  };
  const headers = { 'x-kept': 'h'.repeat(1_000) };
  partition.completeIdempotencyKey('evaluate', key(0), { status: 200, body, headers });
  const record = partition.idempotencyRecord('evaluate', key(0));
  assert.ok(record, 'the completed record');
  assert.equal(store.budget.idempotencyKeys.bytes, keyBytes(record));
  assert.equal(keyBytes(record) - claimed, valueBytes(body) + valueBytes(headers));
  assert.ok(keyBytes(record) > 20_000 + 2_000 + 100 * 64, `${keyBytes(record)} bytes`);
  // Kept bodies fill the budget: the oldest keys go (a record's key alone would let all 20 stay).
  for (let n = 1; n < 20; n++) {
    partition.claimIdempotencyKey('evaluate', key(n), { n }, 0);
    partition.completeIdempotencyKey('evaluate', key(n), { status: 200, body });
    assert.ok(store.budget.idempotencyKeys.bytes <= maxBytes, `${store.budget.idempotencyKeys.bytes} bytes`);
  }
  assert.equal(partition.idempotencyRecord('evaluate', key(0)), undefined);
  assert.ok(partition.idempotencyRecord('evaluate', key(19)), 'the newest key is kept');
  assert.ok(store.budget.idempotencyKeys.size < 20, `${store.budget.idempotencyKeys.size} keys kept`);
});

/** The heap `count` values of a shape cost, each (after full collections), and the estimate of each. */
function measured(count: number, make: (i: number) => ApplicationRecord): { real: number; estimate: number } {
  const texts = Array.from({ length: count }, (_, i) => JSON.stringify(make(i)));
  const kept: ApplicationRecord[] = new Array(count).fill(null);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  // Parsed from JSON text, as a request body is: no value shares memory with the fixture that made it.
  for (let i = 0; i < count; i++) kept[i] = JSON.parse(texts[i] as string) as ApplicationRecord;
  gc();
  gc();
  const real = (process.memoryUsage().heapUsed - before) / count;
  const estimate = kept.reduce((sum, record) => sum + partnerRecordBytes(record), 0) / count;
  return { real, estimate };
}

test('a partner record is estimated at or above its heap cost, whatever shape a client gives its fields', () => {
  const application = (i: number, fields: Record<string, unknown>): ApplicationRecord => ({
    ...applicationRecord(`app-${i}`, 0),
    fields,
  });
  const range = (n: number) => Array.from({ length: n }, (_, k) => k);
  const shapes: Record<string, (i: number) => ApplicationRecord> = {
    'thousands of tiny fields with keys of their own': (i) =>
      application(i, { Description: Object.fromEntries(range(1_400).map((k) => [`u${i}x${k}`, null])) }),
    'thousands of empty objects': (i) => application(i, { Description: range(2_000).map(() => ({})) }),
    'objects of one key each': (i) =>
      application(i, { Description: range(1_000).map((k) => ({ [`k${i}_${k}`]: null })) }),
    'empty arrays and numbers': (i) =>
      application(i, { Description: range(2_000).map((k) => (k % 2 ? [] : k + 0.5)) }),
    'a long string': (i) => application(i, { Description: `${i}`.padEnd(100_000, 'x') }),
  };
  for (const [name, make] of Object.entries(shapes)) {
    const { real, estimate } = measured(300, make);
    assert.ok(
      estimate >= real,
      `${name}: estimated ${Math.round(estimate)} bytes, the heap holds ${Math.round(real)}`,
    );
    assert.ok(
      estimate <= 3 * real,
      `${name}: estimated ${Math.round(estimate)} bytes, far above ${Math.round(real)}`,
    );
  }
});

test('valueBytes counts every item and field, stops at a depth no body reaches, and is what a shared store counts', () => {
  const one = valueBytes([{}]);
  const many = valueBytes(Array.from({ length: 1_000 }, () => ({})));
  assert.ok(many >= 1_000 * (one - valueBytes([])), `${many} bytes for 1,000 empty objects`);
  assert.ok(valueBytes({ a: 1, b: 2 }) > valueBytes({ a: 1 }), 'a field more costs more');
  assert.ok(valueBytes('x'.repeat(1_000)) >= 2_000, 'two bytes a character');
  // Nested past any body's depth, a value is still counted whole (from its JSON text).
  let deep: unknown = 'x'.repeat(10_000);
  for (let i = 0; i < 200; i++) deep = [deep];
  assert.ok(valueBytes(deep) >= 20_000, `${valueBytes(deep)} bytes`);

  // A session's partner state, as a shared store writes it, costs what the budget counts for its records.
  const store = new Store(1);
  const partner = store.session('p').partner();
  partner.addApplication(applicationRecord('a-1', 5_000));
  partner.addApplication({ ...applicationRecord('a-2', 0), fields: { Description: [{}, [], 'x'] } });
  partner.addApiKey({ id: 'key-1', name: 'k', scopes: ['read'] } as ApiKeyRecord);
  partner.addDocument({ documentId: 'doc-1', applicationId: 'a-1', fileName: 'f.pdf' } as DocumentRecord);
  assert.equal(partnerStateBytes(partner), store.budget.partner.bytes);
});

test('flat() hands back the same text for ropes, two-byte text and the empty string', () => {
  const rope = JSON.stringify({
    id: 'order-1',
    items: Array.from({ length: 50 }, (_, i) => ({ n: i, s: `x${i}` })),
  });
  const expected = rope.split('').join('');
  assert.equal(flat(rope), expected);
  assert.equal(flat(rope).length, expected.length);
  const twoByte = `${'ü'.repeat(20)}${'€'.repeat(20)}`;
  assert.equal(flat(twoByte), twoByte);
  assert.equal(flat(''), '');
});

test('a RecordPool hands back one frozen record per key, and starts over past its limit', () => {
  const pool = new RecordPool<{ a: number }>(2);
  const first = pool.share('k1', { a: 1 });
  assert.equal(pool.share('k1', { a: 99 }), first);
  assert.ok(Object.isFrozen(first));
  assert.equal(pool.share('k2', { a: 2 }).a, 2);
  const third = pool.share('k3', { a: 3 });
  assert.equal(pool.size, 1);
  assert.equal(pool.share('k3', { a: 0 }), third);
});

test('a RecordPool does not hold records under long keys: unique long values cannot fill it', () => {
  const pool = new RecordPool<{ a: string }>(1024, 256);
  for (let i = 0; i < 100; i++) {
    const record = { a: `${i}`.padEnd(300, 'x') };
    const shared = pool.share(JSON.stringify([record.a]), record);
    assert.equal(shared, record);
    assert.ok(!Object.isFrozen(shared));
  }
  assert.equal(pool.size, 0);
  const long = orderWith(addressOf({ addressLine1: 'x'.repeat(300) }));
  shareOrderStrings(long);
  assert.ok(!Object.isFrozen(long.billingAddress));
  assert.equal(long.billingAddress.addressLine1, 'x'.repeat(300));
});

function addressOf(fields: Partial<Address>): Address {
  return {
    addressLine1: null,
    addressLine2: null,
    city: null,
    state: null,
    zipCode: null,
    country: null,
    countryCode: null,
    ...fields,
  };
}

function orderWith(
  billingAddress: Address,
  card: unknown = { bin: '411111', last4: '1111', brand: 'VISA', tokenized: false },
): Order {
  return {
    currencyCode: 'USD',
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    billingAddress,
    shippingAddress: null,
    card,
  } as unknown as Order;
}

test('orders with the same address and card share one frozen record; any difference keeps them apart', () => {
  const a = orderWith(addressOf({ addressLine1: '1 Main St', city: 'Springfield', country: 'US' }));
  const b = orderWith(addressOf({ addressLine1: '1 Main St', city: 'Springfield', country: 'US' }));
  shareOrderStrings(a);
  shareOrderStrings(b);
  assert.equal(a.billingAddress, b.billingAddress);
  assert.equal(a.card, b.card);
  assert.ok(Object.isFrozen(a.billingAddress));
  assert.deepEqual(
    b.billingAddress,
    addressOf({ addressLine1: '1 Main St', city: 'Springfield', country: 'US' }),
  );

  // Values a joined key could confuse: null against '' and 'null', a separator inside a value, a shifted field.
  const variants = [
    addressOf({ addressLine1: '' }),
    addressOf({ addressLine1: 'null' }),
    addressOf({ addressLine1: '1 Main St\u0000', addressLine2: 'Springfield' }),
    addressOf({ addressLine1: '1 Main St', addressLine2: '\u0000Springfield' }),
    addressOf({ addressLine2: '1 Main St', city: 'Springfield', country: 'US' }),
  ];
  const orders = variants.map((address) => orderWith({ ...address }));
  for (const order of orders) shareOrderStrings(order);
  orders.forEach((order, i) => {
    assert.deepEqual(order.billingAddress, variants[i], `variant ${i} kept its own values`);
  });
  assert.equal(new Set(orders.map((o) => o.billingAddress)).size, variants.length);

  const other = orderWith(addressOf({}), { bin: '411111', last4: '1111', brand: 'VISA', tokenized: true });
  shareOrderStrings(other);
  assert.notEqual(other.card, a.card);
  assert.equal(other.card.tokenized, true);
});

test('an order built by hand keeps an address or card of another shape as it is', () => {
  const address = { ...addressOf({ city: 'Springfield' }), note: 'extra' } as Address;
  const card = { bin: '411111', last4: undefined, brand: 'VISA', tokenized: false };
  const order = orderWith(address, card);
  shareOrderStrings(order);
  assert.equal(order.billingAddress, address);
  assert.equal(order.card, card);
  assert.ok(!Object.isFrozen(address));
});

test("an order's history keeps each change as two numbers and gives back exactly what the listener was told", () => {
  // Every transition from a status it may start from, with times that are not whole seconds.
  const told: StatusChange[] = [];
  let at = Date.UTC(2026, 5, 12, 14, 30, 0, 123);
  for (const name of Object.keys(TRANSITIONS) as TransitionName[]) {
    const rule = TRANSITIONS[name];
    const from = (rule.from as readonly number[])[0];
    const order = { status: from ?? ORDER_STATUS.DRAFT, history: none<number>() } as unknown as Order;
    const changes: StatusChange[] = [];
    if (from !== undefined) {
      // A started order: one earlier change puts it where the transition starts from.
      order.history = [0, at - 1];
    }
    const before = statusHistory(order);
    transition(order, name, at, (_order, _name, change) => changes.push(change));
    assert.equal(changes.length, 1, name);
    assert.deepEqual(statusHistory(order), [...before, ...changes], name);
    assert.ok(
      order.history.every((value) => typeof value === 'number'),
      name,
    );
    assert.equal(changes[0]?.at, new Date(at).toISOString());
    assert.equal(lastUpdated(order), at, `${name}: the order was last updated by this change`);
    told.push(...changes);
    at += 1_001;
  }
  assert.equal(
    new Set(told.map((c) => c.reason)).size,
    new Set(Object.values(TRANSITIONS).map((r) => r.reason)).size,
  );

  // What does not decode (another version's objects, a code past the tables, a time that is not one) is left out.
  const fresh = { createdOn: at, history: none<number>() } as unknown as Order;
  assert.equal(lastUpdated(fresh), at, 'an order without changes was last updated when it was created');
  const odd = {
    createdOn: at - 5,
    history: [{ status: 7, at: '2026-06-12T14:30:00.000Z' }, 1, 999, at, 7, Number.NaN, 7, 9e15, 7, at],
  } as unknown as Order;
  assert.deepEqual(statusHistory(odd), [
    { status: 7, statusName: 'COMPLETED', at: new Date(at).toISOString(), reason: 'approved' },
  ]);
  // Its last update is its last whole pair's time; an odd length or a time no Date holds falls back to its creation.
  assert.equal(lastUpdated(odd), at);
  assert.equal(lastUpdated({ ...odd, history: [...odd.history, 62] }), at);
  assert.equal(lastUpdated({ ...odd, history: [7, 9e15] }), at - 5);
});

test('a ledger under long churn (its index rebuilt many times) evicts and counts exactly as a plain queue would', () => {
  const limit = 3_000;
  const ledger = new Ledger<Item>(limit, 3_000 * 8);
  const evicted: number[] = [];
  const owner: LedgerOwner<Item> = { evict: (item) => evicted.push(item.id) };
  // The model: live ids in admission order, with their sizes.
  const model = new Map<number, number>();
  let modelBytes = 0;
  const expectedEvictions: number[] = [];
  const items: Item[] = [];
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let id = 0; id < 40_000; id++) {
    const item = { id };
    items.push(item);
    const bytes = 1 + Math.floor(random() * 10);
    // Room by count, then by bytes: the oldest go first.
    while (model.size >= limit || (model.size > 0 && modelBytes + bytes > 3_000 * 8)) {
      const [oldest, size] = model.entries().next().value as [number, number];
      model.delete(oldest);
      expectedEvictions.push(oldest);
      modelBytes -= size;
    }
    ledger.admit(item, owner, bytes);
    model.set(id, bytes);
    modelBytes += bytes;
    if (random() < 0.1) {
      const live = [...model.keys()];
      const victim = live[Math.floor(random() * live.length)] as number;
      ledger.forget(items[victim] as Item);
      modelBytes -= model.get(victim) as number;
      model.delete(victim);
    }
  }
  assert.deepEqual(evicted, expectedEvictions);
  assert.equal(ledger.size, model.size);
  assert.equal(ledger.bytes, modelBytes);
});
