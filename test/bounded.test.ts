// The shared budget (Ledger), the Map helper and the store's use of them: what keeps memory flat.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Order } from '../mock/domain/order-states.js';
import { Store, type VaultedCard } from '../mock/domain/store.js';
import { evictOldest, Ledger, type LedgerOwner } from '../mock/support/bounded.js';

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
        externalOrderId: `ext-${i}`,
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
