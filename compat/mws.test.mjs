// Compatibility test: drives kessai's Amazon Pay MWS face with the npm
// client amazon-payments (0.2.9), pointed at kessai through a custom
// Environment. Run by compat_test.go (TestMWSNodeClient), or by hand:
//
//   KESSAI_BASE_URL=http://127.0.0.1:8080 KESSAI_SECRET_KEY=sk_test_... \
//   KESSAI_MWS_SELLER_ID=A... KESSAI_MWS_ACCESS_KEY_ID=AKIA... KESSAI_MWS_SECRET_KEY=... \
//     node --test mws.test.mjs
//
// The server should settle Amazon refunds quickly (kessai serve
// --settle-delay-amazon 1s); the refund test waits up to 20 s for it.
//
// This client signs the bare hostname (no port), writes the Timestamp
// with a lower-case 'z' and encodes '*' as %2a: kessai accepts all three.
// It parses a response as XML only when its Content-Type is exactly
// text/xml, and turns an ErrorResponse into an Error whose name is the
// MWS error code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const amazonPayments = require('amazon-payments');
// The client exports its Environment instances; their constructor takes any endpoint.
const Environment = amazonPayments.Environment.Sandbox.constructor;

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} must be set`);
  return v;
};
const baseUrl = env('KESSAI_BASE_URL');
const secretKey = env('KESSAI_SECRET_KEY');

const payment = amazonPayments.connect({
  environment: new Environment(`${baseUrl}/OffAmazonPayments_Sandbox/2013-01-01`, `${baseUrl}/unused`),
  sellerId: env('KESSAI_MWS_SELLER_ID'),
  mwsAccessKey: env('KESSAI_MWS_ACCESS_KEY_ID'),
  mwsSecretKey: env('KESSAI_MWS_SECRET_KEY'),
  clientId: 'unused',
});
const oap = payment.offAmazonPayments;

// call runs one MWS operation and resolves with its Result.
function call(method, params) {
  return new Promise((resolve, reject) => {
    oap[method](params, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

// createOrderReference is the simulated buyer: kessai's own API makes a
// Draft order reference, as Amazon's widgets do in real life.
async function createOrderReference() {
  const res = await fetch(`${baseUrl}/kessai/v1/amazon/order_references`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secretKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ buyer: { name: 'Compat Buyer', email: 'compat@example.com' } }),
  });
  assert.equal(res.status, 200, `create order reference: ${await res.clone().text()}`);
  const body = await res.json();
  assert.equal(body.state, 'Draft');
  assert.match(body.amazon_order_reference_id, /^S03-\d{7}-\d{7}$/);
  return body.amazon_order_reference_id;
}

const ref = (p) => `${p}-${randomUUID().slice(0, 8)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const T = { timeout: 60_000 };

test('order reference → authorize → capture → refund', T, async () => {
  const id = await createOrderReference();

  const set = await call('setOrderReferenceDetails', {
    AmazonOrderReferenceId: id,
    OrderReferenceAttributes: {
      OrderTotal: { Amount: '10000', CurrencyCode: 'JPY' },
      SellerNote: 'npm amazon-payments * (compat)',
      SellerOrderAttributes: { SellerOrderId: 'compat-1', StoreName: 'kessai compat' },
    },
  });
  const or = set.OrderReferenceDetails;
  assert.equal(or.AmazonOrderReferenceId, id);
  assert.equal(or.OrderReferenceStatus.State, 'Draft');
  assert.deepEqual(or.OrderTotal, { Amount: '10000', CurrencyCode: 'JPY' });
  assert.equal(or.SellerNote, 'npm amazon-payments * (compat)');
  assert.equal(or.SellerOrderAttributes.SellerOrderId, 'compat-1');
  assert.equal(or.Buyer.Name, 'Compat Buyer');
  assert.equal(or.ReleaseEnvironment, 'Sandbox');

  // ConfirmOrderReference's response carries no Result: the client
  // resolves with an object that has no fields.
  assert.deepEqual(Object.keys(await call('confirmOrderReference', { AmazonOrderReferenceId: id })), []);
  const got = await call('getOrderReferenceDetails', { AmazonOrderReferenceId: id });
  assert.equal(got.OrderReferenceDetails.OrderReferenceStatus.State, 'Open');

  const authRef = ref('auth');
  const authorized = await call('authorize', {
    AmazonOrderReferenceId: id,
    AuthorizationReferenceId: authRef,
    AuthorizationAmount: { Amount: '10000', CurrencyCode: 'JPY' },
    SellerAuthorizationNote: 'first authorization',
    TransactionTimeout: 0,
  });
  const auth = authorized.AuthorizationDetails;
  assert.equal(auth.AmazonAuthorizationId, `${id}-A000001`);
  assert.equal(auth.AuthorizationReferenceId, authRef);
  assert.equal(auth.AuthorizationStatus.State, 'Open');
  assert.deepEqual(auth.AuthorizationAmount, { Amount: '10000', CurrencyCode: 'JPY' });
  assert.equal(auth.CaptureNow, 'false');

  const captured = await call('capture', {
    AmazonAuthorizationId: auth.AmazonAuthorizationId,
    CaptureReferenceId: ref('cap'),
    CaptureAmount: { Amount: '10000', CurrencyCode: 'JPY' },
  });
  const cap = captured.CaptureDetails;
  assert.equal(cap.CaptureStatus.State, 'Completed');
  assert.deepEqual(cap.CaptureAmount, { Amount: '10000', CurrencyCode: 'JPY' });

  const authAfter = await call('getAuthorizationDetails', { AmazonAuthorizationId: auth.AmazonAuthorizationId });
  assert.equal(authAfter.AuthorizationDetails.AuthorizationStatus.State, 'Closed');
  assert.equal(authAfter.AuthorizationDetails.AuthorizationStatus.ReasonCode, 'MaxCapturesProcessed');
  assert.equal(authAfter.AuthorizationDetails.IdList.member, cap.AmazonCaptureId);

  const refundRef = ref('refund');
  const refunded = await call('refund', {
    AmazonCaptureId: cap.AmazonCaptureId,
    RefundReferenceId: refundRef,
    RefundAmount: { Amount: '2500', CurrencyCode: 'JPY' },
    SellerRefundNote: 'one item returned',
  });
  const rf = refunded.RefundDetails;
  assert.equal(rf.RefundStatus.State, 'Pending');
  assert.equal(rf.RefundType, 'SellerInitiated');
  assert.equal(rf.RefundReferenceId, refundRef);
  assert.deepEqual(rf.RefundAmount, { Amount: '2500', CurrencyCode: 'JPY' });

  let state;
  for (let i = 0; i < 40; i++) {
    const r = await call('getRefundDetails', { AmazonRefundId: rf.AmazonRefundId });
    state = r.RefundDetails.RefundStatus.State;
    if (state !== 'Pending') break;
    await sleep(500);
  }
  assert.equal(state, 'Completed');

  const capAfter = await call('getCaptureDetails', { AmazonCaptureId: cap.AmazonCaptureId });
  assert.deepEqual(capAfter.CaptureDetails.RefundedAmount, { Amount: '2500', CurrencyCode: 'JPY' });
  assert.equal(capAfter.CaptureDetails.IdList.member, rf.AmazonRefundId);
});

test('an MWS error reaches the client as its code', T, async () => {
  await assert.rejects(
    call('getOrderReferenceDetails', { AmazonOrderReferenceId: 'S03-0000000-0000000' }),
    (err) => {
      assert.equal(err.name, 'InvalidOrderReferenceId');
      assert.match(err.message, /S03-0000000-0000000/);
      return true;
    },
  );
});

test('a replayed Authorize returns the same authorization', T, async () => {
  const id = await createOrderReference();
  await call('setOrderReferenceDetails', {
    AmazonOrderReferenceId: id,
    OrderReferenceAttributes: { OrderTotal: { Amount: '3000', CurrencyCode: 'JPY' } },
  });
  await call('confirmOrderReference', { AmazonOrderReferenceId: id });
  const params = {
    AmazonOrderReferenceId: id,
    AuthorizationReferenceId: ref('replay'),
    AuthorizationAmount: { Amount: '3000', CurrencyCode: 'JPY' },
    TransactionTimeout: 0,
  };
  const first = await call('authorize', params);
  const again = await call('authorize', params);
  assert.deepEqual(again, first);
  await assert.rejects(
    call('authorize', { ...params, AuthorizationAmount: { Amount: '2999', CurrencyCode: 'JPY' } }),
    (err) => err.name === 'DuplicateRequest',
  );
});
