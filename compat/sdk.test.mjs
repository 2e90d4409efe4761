// Compatibility test: drives a running kessai server with PAY.JP's official
// v2 Node SDK (@payjp/payjpv2). Run by compat_test.go (TestNodeSDK), or by
// hand against a server you started yourself:
//
//   KESSAI_BASE_URL=http://127.0.0.1:8080 KESSAI_SECRET_KEY=sk_test_... \
//     node --test sdk.test.mjs
//
// KESSAI_COMPAT_REFUNDS=0 skips the refund test.
//
// The SDK never throws on an HTTP error: every call resolves to
// { data, error, request, response } and exactly one of data/error is set.
// The helpers below turn that into assertions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import {
  createClient,
  createPaymentMethod,
  createPaymentFlow,
  confirmPaymentFlow,
  capturePaymentFlow,
  getAllPaymentFlows,
  getPaymentFlow,
  createPaymentRefund,
  getPaymentRefund,
  createCustomer,
  deleteCustomer,
  attachPaymentMethod,
  detachPaymentMethod,
  getCustomerPaymentMethods,
  updatePaymentMethod,
  getAllTerms,
  getTerm,
  getAllPaymentTransactions,
  createSetupFlow,
  getSetupFlow,
  updateSetupFlow,
  getAllSetupFlows,
  cancelSetupFlow,
  getAllPaymentMethodConfigurations,
  getPaymentMethodConfiguration,
  updatePaymentMethodConfiguration,
  createProduct,
  getProduct,
  updateProduct,
  getAllProducts,
  deleteProduct,
  createPrice,
  getPrice,
  updatePrice,
  getAllPrices,
  createTaxRate,
  getTaxRate,
  updateTaxRate,
  getAllTaxRates,
  getAllPaymentDisputes,
  getPaymentDispute,
  getAllStatements,
  getStatement,
  createStatementUrl,
  getAllBalances,
  getBalance,
  createBalanceUrl,
} from '@payjp/payjpv2';

const baseUrl = process.env.KESSAI_BASE_URL;
const apiKey = process.env.KESSAI_SECRET_KEY;
if (!baseUrl || !apiKey) {
  throw new Error('KESSAI_BASE_URL and KESSAI_SECRET_KEY must be set');
}
const refundsEnabled = process.env.KESSAI_COMPAT_REFUNDS !== '0';

// baseUrl is the host root: every SDK operation path already starts with /v2.
const client = createClient({ apiKey, baseUrl });

const T = { timeout: 20_000 };

function describeResult(r) {
  const status = r.response ? r.response.status : '(no response)';
  const req = r.request ? `${r.request.method} ${r.request.url}` : '(no request)';
  const body = r.error !== undefined ? r.error : r.data;
  let text;
  try {
    text = JSON.stringify(body);
  } catch {
    text = String(body);
  }
  return `${req} -> ${status} ${text}`;
}

// ok asserts a successful SDK call and returns its parsed body.
function ok(r, what) {
  assert.equal(r.error, undefined, `${what}: SDK reported an error: ${describeResult(r)}`);
  assert.ok(r.response, `${what}: no HTTP response`);
  // The SDK's OpenAPI document declares 200 for every success, creates included.
  assert.equal(r.response.status, 200, `${what}: HTTP status: ${describeResult(r)}`);
  // Without a JSON Content-Type the SDK hands back a ReadableStream, not an object.
  const ct = r.response.headers.get('content-type') ?? '';
  assert.match(ct, /^application\/json\b/, `${what}: content-type ${JSON.stringify(ct)}`);
  assert.equal(typeof r.data, 'object', `${what}: data is not an object`);
  assert.ok(r.data !== null && !(r.data instanceof ReadableStream), `${what}: data was not parsed as JSON`);
  return r.data;
}

async function newCardPaymentMethod() {
  const r = await createPaymentMethod({
    client,
    body: {
      type: 'card',
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_details: { email: 'buyer@example.com' },
    },
  });
  return ok(r, 'createPaymentMethod');
}

async function newSucceededFlow(amount) {
  const pm = await newCardPaymentMethod();
  const r = await createPaymentFlow({
    client,
    body: { amount, currency: 'jpy', payment_method_id: pm.id, confirm: true },
  });
  const flow = ok(r, 'createPaymentFlow(confirm)');
  assert.equal(flow.status, 'succeeded', `flow ${flow.id} status`);
  return flow;
}

test('a. create a card payment method', T, async () => {
  const pm = await newCardPaymentMethod();
  assert.equal(pm.object, 'payment_method');
  assert.equal(typeof pm.id, 'string');
  assert.ok(pm.id.length > 0, 'id is empty');
  assert.equal(pm.type, 'card');
  assert.equal(pm.livemode, false);
  assert.ok(pm.card, 'card details missing');
  assert.equal(pm.card.last4, '4242');
  assert.equal(pm.card.exp_month, 12);
  assert.equal(pm.card.exp_year, 2030);
  assert.equal(pm.billing_details?.email, 'buyer@example.com');
  // The raw card number and CVC must never come back.
  const raw = JSON.stringify(pm);
  assert.ok(!raw.includes('4242424242424242'), 'full card number echoed back');
  assert.ok(!('cvc' in pm.card), 'cvc echoed back');
});

test('b. manual capture: create, confirm, partial capture', T, async () => {
  const pm = await newCardPaymentMethod();

  const created = ok(
    await createPaymentFlow({
      client,
      body: { amount: 1000, currency: 'jpy', payment_method_id: pm.id, capture_method: 'manual' },
    }),
    'createPaymentFlow',
  );
  assert.equal(created.object, 'payment_flow');
  assert.equal(created.status, 'requires_confirmation');
  assert.equal(created.amount, 1000);
  assert.equal(created.currency, 'jpy');
  assert.equal(created.capture_method, 'manual');
  assert.equal(created.payment_method_id, pm.id);
  assert.equal(created.livemode, false);

  // No body: the SDK then drops the Content-Type header and sends an empty POST.
  const confirmed = ok(
    await confirmPaymentFlow({ client, path: { payment_flow_id: created.id } }),
    'confirmPaymentFlow',
  );
  assert.equal(confirmed.id, created.id);
  assert.equal(confirmed.status, 'requires_capture');
  assert.equal(confirmed.amount_capturable, 1000);

  const captured = ok(
    await capturePaymentFlow({
      client,
      path: { payment_flow_id: created.id },
      body: { amount_to_capture: 600 },
    }),
    'capturePaymentFlow',
  );
  assert.equal(captured.id, created.id);
  assert.equal(captured.status, 'succeeded');
  assert.equal(captured.amount_received, 600);
  assert.equal(captured.amount, 1000);
});

test('c. automatic capture with confirm:true', T, async () => {
  const pm = await newCardPaymentMethod();
  const flow = ok(
    await createPaymentFlow({
      client,
      body: { amount: 1500, currency: 'jpy', payment_method_id: pm.id, confirm: true },
    }),
    'createPaymentFlow(confirm)',
  );
  assert.equal(flow.object, 'payment_flow');
  assert.equal(flow.status, 'succeeded');
  assert.equal(flow.capture_method, 'automatic');
  assert.equal(flow.amount, 1500);
  assert.equal(flow.amount_received, 1500);
});

test('d. list payment flows, newest first', T, async () => {
  const pm = await newCardPaymentMethod();
  const ids = [];
  for (const amount of [700, 800, 900]) {
    const f = ok(
      await createPaymentFlow({
        client,
        body: { amount, currency: 'jpy', payment_method_id: pm.id },
      }),
      'createPaymentFlow',
    );
    ids.push(f.id);
  }

  const list = ok(await getAllPaymentFlows({ client, query: { limit: 2 } }), 'getAllPaymentFlows');
  assert.equal(list.object, 'list');
  assert.ok(Array.isArray(list.data), 'data is not an array');
  assert.ok(list.data.length <= 2, `limit=2 returned ${list.data.length} items`);
  assert.equal(list.data.length, 2);
  assert.equal(typeof list.has_more, 'boolean');
  // Three flows were just created, so a page of two leaves more to fetch.
  assert.equal(list.has_more, true);
  assert.equal(list.data[0].object, 'payment_flow');
  assert.equal(list.data[0].id, ids[2], 'the flow created last must come first');
  assert.equal(list.data[1].id, ids[1]);
  assert.equal(list.data[0].amount, 900);
  assert.equal(list.data[1].amount, 800);
});

test('e. retrieve a payment flow by id', T, async () => {
  const pm = await newCardPaymentMethod();
  const created = ok(
    await createPaymentFlow({
      client,
      body: { amount: 1234, currency: 'jpy', payment_method_id: pm.id, description: 'compat e' },
    }),
    'createPaymentFlow',
  );
  const got = ok(
    await getPaymentFlow({ client, path: { payment_flow_id: created.id } }),
    'getPaymentFlow',
  );
  assert.equal(got.object, 'payment_flow');
  assert.equal(got.id, created.id);
  assert.equal(got.amount, 1234);
  assert.equal(got.currency, 'jpy');
  assert.equal(got.status, created.status);
  assert.equal(got.payment_method_id, pm.id);
  assert.equal(got.description, 'compat e');
});

test(
  'f. refunds: partial refund of a succeeded flow',
  { ...T, skip: refundsEnabled ? false : 'KESSAI_COMPAT_REFUNDS=0' },
  async () => {
    const flow = await newSucceededFlow(1000);

    const refund = ok(
      await createPaymentRefund({ client, body: { payment_flow_id: flow.id, amount: 100 } }),
      'createPaymentRefund',
    );
    assert.equal(refund.object, 'payment_refund');
    assert.equal(refund.status, 'succeeded');
    assert.equal(refund.amount, 100);
    assert.equal(refund.payment_flow_id, flow.id);
    assert.equal(refund.livemode, false);

    const got = ok(
      await getPaymentRefund({ client, path: { payment_refund_id: refund.id } }),
      'getPaymentRefund',
    );
    assert.equal(got.id, refund.id);
    assert.equal(got.amount, 100);
    assert.equal(got.status, 'succeeded');
  },
);

test('g. errors: unknown payment flow is a 404 problem', T, async () => {
  const r = await getPaymentFlow({ client, path: { payment_flow_id: 'pfw_doesnotexist' } });
  // The SDK resolves (does not throw) and reports the parsed body as `error`.
  assert.equal(r.data, undefined);
  assert.ok(r.error, `expected an error: ${describeResult(r)}`);
  assert.equal(r.response.status, 404);
  const ct = r.response.headers.get('content-type') ?? '';
  assert.match(ct, /^application\/problem\+json\b/, `content-type ${JSON.stringify(ct)}`);
  assert.equal(typeof r.error, 'object', 'error body was not JSON');
  assert.equal(r.error.status, 404);
  assert.equal(r.error.code, 'not_found');
  assert.equal(typeof r.error.type, 'string');
  assert.equal(typeof r.error.title, 'string');

  // With throwOnError the same parsed body is thrown instead.
  await assert.rejects(
    getPaymentFlow({ client, path: { payment_flow_id: 'pfw_doesnotexist' }, throwOnError: true }),
    (err) => err.status === 404 && err.code === 'not_found',
  );
});

test('g2. errors: a wrong API key is rejected', T, async () => {
  const bad = createClient({ apiKey: 'sk_test_thisisnotakey', baseUrl });
  const r = await getAllPaymentFlows({ client: bad, query: { limit: 1 } });
  assert.equal(r.data, undefined);
  assert.ok(r.error, `expected an error: ${describeResult(r)}`);
  assert.equal(r.response.status, 401);
});

test('h. Idempotency-Key replays the first response', T, async () => {
  const pm = await newCardPaymentMethod();
  const key = `compat-${randomUUID()}`;
  const body = { amount: 2000, currency: 'jpy', payment_method_id: pm.id };

  const r1 = await createPaymentFlow({ client, body, headers: { 'Idempotency-Key': key } });
  const first = ok(r1, 'createPaymentFlow #1');
  assert.equal(r1.response.headers.get('idempotent-replayed'), null, 'first answer must not be marked replayed');

  const r2 = await createPaymentFlow({ client, body, headers: { 'Idempotency-Key': key } });
  const second = ok(r2, 'createPaymentFlow #2 (same key)');
  assert.equal(second.id, first.id, 'same key and body must return the same flow');
  assert.equal(second.amount, 2000);
  assert.equal(second.status, first.status);
  assert.deepEqual(second, first, 'a replay must repeat the first answer');
  assert.equal(r2.response.headers.get('idempotent-replayed'), 'true');

  // Same key, different body: kessai refuses with 409 idempotency_conflict.
  const r3 = await createPaymentFlow({
    client,
    body: { ...body, amount: 2001 },
    headers: { 'Idempotency-Key': key },
  });
  assert.equal(r3.data, undefined, `expected an error: ${describeResult(r3)}`);
  assert.equal(r3.response.status, 409, describeResult(r3));
  assert.equal(r3.error.code, 'idempotency_conflict');

  const third = ok(
    await createPaymentFlow({ client, body, headers: { 'Idempotency-Key': `${key}-other` } }),
    'createPaymentFlow #3 (new key)',
  );
  assert.notEqual(third.id, first.id, 'a different key must create a new flow');
});

test('i. attach a card to a customer, list it, pay, detach', T, async () => {
  const pm = await newCardPaymentMethod();
  const customer = ok(await createCustomer({ client, body: { email: 'sdk@example.com' } }), 'createCustomer');
  const attached = ok(
    await attachPaymentMethod({ client, path: { payment_method_id: pm.id }, body: { customer_id: customer.id } }),
    'attachPaymentMethod',
  );
  assert.equal(attached.customer_id, customer.id);
  // The official schema: every address member is present.
  assert.deepEqual(Object.keys(attached.billing_details.address).sort(), ['city', 'country', 'line1', 'line2', 'state', 'zip']);
  const listed = ok(
    await getCustomerPaymentMethods({ client, path: { customer_id: customer.id } }),
    'getCustomerPaymentMethods',
  );
  assert.deepEqual(listed.data.map((m) => m.id), [pm.id]);
  const updated = ok(
    await updatePaymentMethod({ client, path: { payment_method_id: pm.id }, body: { type: 'card', metadata: { k: 'v' } } }),
    'updatePaymentMethod(type card)',
  );
  assert.equal(updated.metadata.k, 'v');
  const flow = ok(
    await createPaymentFlow({
      client,
      body: { amount: 700, currency: 'jpy', customer_id: customer.id, payment_method_id: pm.id, confirm: true },
    }),
    'createPaymentFlow(customer)',
  );
  assert.equal(flow.status, 'succeeded');
  const detached = ok(await detachPaymentMethod({ client, path: { payment_method_id: pm.id } }), 'detachPaymentMethod');
  assert.equal(typeof detached.detached_at, 'string');
  const refused = await createPaymentFlow({
    client,
    body: { amount: 700, currency: 'jpy', customer_id: customer.id, payment_method_id: pm.id, confirm: true },
  });
  assert.equal(refused.response.status, 400);
  assert.equal(refused.error.code, 'detached_payment_method_not_usable');
  const gone = ok(await deleteCustomer({ client, path: { customer_id: customer.id } }), 'deleteCustomer');
  assert.equal(gone.id, customer.id);
  assert.equal(gone.email, 'sdk@example.com');
});

test('j. a payment transaction counts in the open term', T, async () => {
  await newSucceededFlow(1200);
  const txns = ok(await getAllPaymentTransactions({ client, query: { limit: 1 } }), 'getAllPaymentTransactions');
  const termId = txns.data[0].term_id;
  assert.equal(typeof termId, 'string');
  const term = ok(await getTerm({ client, path: { term_id: termId } }), 'getTerm');
  assert.equal(term.object, 'term');
  assert.equal(term.closed, false);
  assert.equal(term.end_at, null);
  const terms = ok(await getAllTerms({ client }), 'getAllTerms');
  assert.ok(terms.data.some((t) => t.id === termId), 'the open term is listed');
});

test('k. setup flows: create, update, list, cancel; a saved card pays', T, async () => {
  const customer = ok(await createCustomer({ client, body: { email: 'setup@example.com' } }), 'createCustomer');
  const sf = ok(await createSetupFlow({ client, body: { customer_id: customer.id, usage: 'off_session' } }), 'createSetupFlow');
  assert.equal(sf.object, 'setup_flow');
  assert.equal(sf.status, 'requires_payment_method');
  const updated = ok(
    await updateSetupFlow({ client, path: { setup_flow_id: sf.id }, body: { description: 'for later', metadata: { k: 'v' } } }),
    'updateSetupFlow',
  );
  assert.equal(updated.description, 'for later');
  assert.equal(ok(await getSetupFlow({ client, path: { setup_flow_id: sf.id } }), 'getSetupFlow').id, sf.id);
  // The customer enters a card: kessai's sandbox call (payjp.js in real life).
  const pm = await newCardPaymentMethod();
  const r = await fetch(`${baseUrl}/kessai/v1/setup_flows/${sf.id}/confirm`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ payment_method_id: pm.id }),
  });
  assert.equal(r.status, 200);
  const done = ok(await getSetupFlow({ client, path: { setup_flow_id: sf.id } }), 'getSetupFlow');
  assert.equal(done.status, 'succeeded');
  assert.equal(done.payment_method_id, pm.id);
  const flow = ok(
    await createPaymentFlow({
      client,
      body: { amount: 800, currency: 'jpy', customer_id: customer.id, payment_method_id: pm.id, confirm: true },
    }),
    'createPaymentFlow(saved card)',
  );
  assert.equal(flow.status, 'succeeded');
  const other = ok(await createSetupFlow({ client, body: {} }), 'createSetupFlow');
  const canceled = ok(
    await cancelSetupFlow({ client, path: { setup_flow_id: other.id }, body: { cancellation_reason: 'abandoned' } }),
    'cancelSetupFlow',
  );
  assert.equal(canceled.status, 'canceled');
  const listed = ok(await getAllSetupFlows({ client, query: { limit: 100 } }), 'getAllSetupFlows');
  assert.ok(listed.data.some((f) => f.id === sf.id));
});

test('l. payment method configuration: read it, rename it', T, async () => {
  const list = ok(await getAllPaymentMethodConfigurations({ client }), 'getAllPaymentMethodConfigurations');
  assert.equal(list.data.length, 1);
  const id = list.data[0].id;
  const got = ok(await getPaymentMethodConfiguration({ client, path: { payment_method_configuration_id: id } }), 'getPaymentMethodConfiguration');
  assert.equal(got.object, 'payment_method_configuration');
  assert.equal(got.card.available, true);
  const renamed = ok(
    await updatePaymentMethodConfiguration({
      client,
      path: { payment_method_configuration_id: id },
      body: { name: 'shop', card: { display_preference: { preference: 'on' } } },
    }),
    'updatePaymentMethodConfiguration',
  );
  assert.equal(renamed.name, 'shop');
  assert.equal(renamed.card.display_preference.preference, 'on');
});

test('m. catalog: products, prices, tax rates', T, async () => {
  const product = ok(await createProduct({ client, body: { name: 'Green tea', unit_label: 'cup' } }), 'createProduct');
  assert.equal(product.object, 'product');
  const price = ok(
    await createPrice({ client, body: { product_id: product.id, unit_amount: 480, currency: 'jpy', lookup_key: `tea-${randomUUID()}` } }),
    'createPrice',
  );
  assert.equal(price.unit_amount, 480);
  assert.equal(price.type, 'one_time');
  const withDefault = ok(
    await updateProduct({ client, path: { product_id: product.id }, body: { default_price_id: price.id } }),
    'updateProduct',
  );
  assert.equal(withDefault.default_price_id, price.id);
  assert.equal(ok(await getProduct({ client, path: { product_id: product.id } }), 'getProduct').name, 'Green tea');
  assert.equal(ok(await updatePrice({ client, path: { price_id: price.id }, body: { nickname: 'cup' } }), 'updatePrice').nickname, 'cup');
  assert.equal(ok(await getPrice({ client, path: { price_id: price.id } }), 'getPrice').id, price.id);
  assert.ok(ok(await getAllPrices({ client }), 'getAllPrices').data.some((p) => p.id === price.id));
  assert.ok(ok(await getAllProducts({ client }), 'getAllProducts').data.some((p) => p.id === product.id));
  const refused = await deleteProduct({ client, path: { product_id: product.id } });
  assert.equal(refused.response.status, 400);
  assert.equal(refused.error.code, 'product_has_prices');
  const lonely = ok(await createProduct({ client, body: { name: 'Nothing' } }), 'createProduct');
  assert.equal(ok(await deleteProduct({ client, path: { product_id: lonely.id } }), 'deleteProduct').deleted, true);
  const tax = ok(await createTaxRate({ client, body: { display_name: '消費税', inclusive: false, percentage: 10 } }), 'createTaxRate');
  assert.equal(tax.percentage, 10);
  assert.equal(ok(await getTaxRate({ client, path: { tax_rate_id: tax.id } }), 'getTaxRate').display_name, '消費税');
  assert.equal(ok(await updateTaxRate({ client, path: { tax_rate_id: tax.id }, body: { active: false } }), 'updateTaxRate').active, false);
  assert.ok(ok(await getAllTaxRates({ client }), 'getAllTaxRates').data.some((t) => t.id === tax.id));
});

// Checkout sessions and the rest of the SDK's functions kessai serves.
import {
  createCheckoutSession,
  getCheckoutSession,
  updateCheckoutSession,
  getAllCheckoutSessions,
  getAllCheckoutSessionLineItems,
  getPaymentMethodByCard,
  getPaymentMethod,
  getAllPaymentMethods,
  getCustomer,
  getAllCustomers,
  updateCustomer,
  updatePaymentFlow,
  cancelPaymentFlow,
  getPaymentFlowRefunds,
  getAllPaymentRefunds,
  updatePaymentRefund,
  getPaymentTransaction,
  getAllEvents,
  getEvent,
} from '@payjp/payjpv2';

// payOnPage is the simulated buyer on a session's hosted page: it submits
// the page's form and returns the redirect.
async function payOnPage(sessionUrl, method) {
  const u = new URL(sessionUrl);
  const form = new URLSearchParams({ client_secret: u.searchParams.get('client_secret'), action: 'pay', method, email: 'sdk@example.com' });
  u.search = '';
  const r = await fetch(u, { method: 'POST', body: form, redirect: 'manual' });
  return { status: r.status, location: r.headers.get('location') };
}

test('n. checkout session: line items with tax, paid on the hosted page', T, async () => {
  const product = ok(await createProduct({ client, body: { name: 'Matcha' } }), 'createProduct');
  const price = ok(await createPrice({ client, body: { product_id: product.id, unit_amount: 999, currency: 'jpy' } }), 'createPrice');
  const tax = ok(await createTaxRate({ client, body: { display_name: '消費税', inclusive: false, percentage: 10 } }), 'createTaxRate');
  const session = ok(
    await createCheckoutSession({
      client,
      body: {
        mode: 'payment',
        line_items: [{ price_id: price.id, quantity: 2, tax_rates: [tax.id] }],
        success_url: 'https://shop.example/done/{CHECKOUT_SESSION_ID}',
        cancel_url: 'https://shop.example/cart',
      },
    }),
    'createCheckoutSession',
  );
  assert.equal(session.object, 'checkout.session');
  assert.equal(session.status, 'open');
  // 2 × ¥999 = ¥1,998; 10 % is ¥199.8, dropped to ¥199.
  assert.equal(session.amount_subtotal, 1998);
  assert.equal(session.amount_total, 2197);
  const items = ok(await getAllCheckoutSessionLineItems({ client, path: { checkout_session_id: session.id } }), 'getAllCheckoutSessionLineItems');
  assert.equal(items.data.length, 1);
  assert.equal(items.data[0].amount_tax, 199);
  assert.equal(items.data[0].price.id, price.id);
  const tagged = ok(
    await updateCheckoutSession({ client, path: { checkout_session_id: session.id }, body: { metadata: { order: '9' } } }),
    'updateCheckoutSession',
  );
  assert.equal(tagged.metadata.order, '9');
  const paid = await payOnPage(session.url, 'card:4242424242424242');
  assert.equal(paid.status, 303);
  assert.equal(paid.location, `https://shop.example/done/${session.id}`);
  const done = ok(await getCheckoutSession({ client, path: { checkout_session_id: session.id } }), 'getCheckoutSession');
  assert.equal(done.status, 'complete');
  const flow = ok(await getPaymentFlow({ client, path: { payment_flow_id: done.payment_flow_id } }), 'getPaymentFlow');
  assert.equal(flow.status, 'succeeded');
  assert.equal(flow.amount, 2197);
  assert.ok(ok(await getAllCheckoutSessions({ client, query: { limit: 100 } }), 'getAllCheckoutSessions').data.some((s) => s.id === session.id));
  const events = ok(await getAllEvents({ client, query: { resource_id: session.id } }), 'getAllEvents');
  assert.ok(events.data.some((e) => e.type === 'checkout.session.completed'));
  const event = ok(await getEvent({ client, path: { event_id: events.data[0].id } }), 'getEvent');
  assert.equal(event.data.id, session.id);
  const card = ok(await getPaymentMethod({ client, path: { payment_method_id: flow.payment_method_id } }), 'getPaymentMethod');
  const byCard = ok(await getPaymentMethodByCard({ client, path: { card_id: card.id.replace(/^pm_/, 'car_') } }), 'getPaymentMethodByCard');
  assert.equal(byCard.id, card.id);
});

test('o. customers, flows, refunds, transactions: the remaining reads and updates', T, async () => {
  const customer = ok(await createCustomer({ client, body: { email: 'rest@example.com' } }), 'createCustomer');
  const renamed = ok(await updateCustomer({ client, path: { customer_id: customer.id }, body: { description: 'regular' } }), 'updateCustomer');
  assert.equal(renamed.description, 'regular');
  assert.equal(ok(await getCustomer({ client, path: { customer_id: customer.id } }), 'getCustomer').description, 'regular');
  assert.ok(ok(await getAllCustomers({ client, query: { limit: 100 } }), 'getAllCustomers').data.some((c) => c.id === customer.id));
  const pm = await newCardPaymentMethod();
  assert.ok(ok(await getAllPaymentMethods({ client, query: { limit: 100 } }), 'getAllPaymentMethods').data.some((m) => m.id === pm.id));
  const pending = ok(await createPaymentFlow({ client, body: { amount: 1500, currency: 'jpy' } }), 'createPaymentFlow');
  const changed = ok(await updatePaymentFlow({ client, path: { payment_flow_id: pending.id }, body: { amount: 1600 } }), 'updatePaymentFlow');
  assert.equal(changed.amount, 1600);
  const canceled = ok(
    await cancelPaymentFlow({ client, path: { payment_flow_id: pending.id }, body: { cancellation_reason: 'requested_by_customer' } }),
    'cancelPaymentFlow',
  );
  assert.equal(canceled.status, 'canceled');
  const flow = await newSucceededFlow(2000);
  const refund = ok(await createPaymentRefund({ client, body: { payment_flow_id: flow.id, amount: 300 } }), 'createPaymentRefund');
  const noted = ok(await updatePaymentRefund({ client, path: { payment_refund_id: refund.id }, body: { metadata: { why: 'chipped' } } }), 'updatePaymentRefund');
  assert.equal(noted.metadata.why, 'chipped');
  const ofFlow = ok(await getPaymentFlowRefunds({ client, path: { payment_flow_id: flow.id } }), 'getPaymentFlowRefunds');
  assert.deepEqual(ofFlow.data.map((r) => r.id), [refund.id]);
  assert.ok(ok(await getAllPaymentRefunds({ client, query: { limit: 100 } }), 'getAllPaymentRefunds').data.some((r) => r.id === refund.id));
  const txns = ok(await getAllPaymentTransactions({ client, query: { limit: 100 } }), 'getAllPaymentTransactions');
  const txn = txns.data.find((t) => t.type === 'refund' && t.amount === -300);
  assert.ok(txn, 'the refund transaction');
  assert.equal(ok(await getPaymentTransaction({ client, path: { payment_transaction_id: txn.id } }), 'getPaymentTransaction').id, txn.id);
});

// kessai's own sandbox API (no SDK covers it).
async function sandbox(path, body) {
  const r = await fetch(`${baseUrl}/kessai/v1${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  assert.equal(r.status, 200, `POST /kessai/v1${path}: ${r.status} ${await r.clone().text()}`);
  return r.json();
}

// Last: it moves the account's clock past the month's end.
test('p. a lost dispute, then the statement and balance of the closed term', T, async () => {
  const flow = await newSucceededFlow(3000);
  const opened = await sandbox(`/payment_flows/${flow.id}/dispute`, { reason: 'fraudulent' });
  await sandbox(`/payment_disputes/${opened.id}/advance`, { status: 'lost' });
  const disputes = ok(
    await getAllPaymentDisputes({ client, query: { payment_flow_id: flow.id, status: ['lost'] } }),
    'getAllPaymentDisputes',
  );
  assert.equal(disputes.data.length, 1);
  const dispute = ok(await getPaymentDispute({ client, path: { payment_dispute_id: opened.id } }), 'getPaymentDispute');
  assert.equal(dispute.object, 'payment_dispute');
  assert.equal(dispute.status, 'lost');
  assert.equal(dispute.amount, 3000);
  const txns = ok(await getAllPaymentTransactions({ client, query: { limit: 1 } }), 'getAllPaymentTransactions');
  assert.equal(txns.data[0].type, 'chargeback');
  const termId = txns.data[0].term_id;

  await sandbox('/clock/advance', { seconds: 40 * 24 * 3600 });
  assert.equal(ok(await getTerm({ client, path: { term_id: termId } }), 'getTerm').closed, true);
  const statements = ok(await getAllStatements({ client, query: { term_id: termId } }), 'getAllStatements');
  assert.equal(statements.data.length, 1);
  const st = ok(await getStatement({ client, path: { statement_id: statements.data[0].id } }), 'getStatement');
  assert.equal(st.object, 'statement');
  assert.equal(st.type, 'sales');
  assert.equal(st.term.id, termId);
  const byItems = st.items.reduce((sum, it) => sum + it.amount, 0);
  assert.equal(st.net, byItems);
  assert.equal(st.items.find((it) => it.subject === 'chargeback').amount <= -3000, true);
  const stURL = ok(await createStatementUrl({ client, path: { statement_id: st.id } }), 'createStatementUrl');
  assert.equal(stURL.object, 'statement_url');
  const page = await fetch(stURL.url);
  assert.equal(page.status, 200);

  const balance = ok(await getBalance({ client, path: { balance_id: st.balance_id } }), 'getBalance');
  assert.equal(balance.object, 'balance');
  assert.equal(balance.net, st.net);
  assert.equal(balance.state, st.net < 0 ? 'claim' : 'transfer');
  assert.equal(balance.statements[0].id, st.id);
  const balances = ok(await getAllBalances({ client }), 'getAllBalances');
  assert.ok(balances.data.some((b) => b.id === balance.id));
  const baURL = ok(await createBalanceUrl({ client, path: { balance_id: balance.id } }), 'createBalanceUrl');
  assert.equal(baURL.object, 'balance_url');
});
