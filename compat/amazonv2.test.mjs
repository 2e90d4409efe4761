// Compatibility test: drives kessai's Amazon Pay API v2 face with Amazon's
// official Node SDK, @amazonpay/amazon-pay-api-sdk-nodejs (2.3.4),
// unmodified, pointed at kessai's HTTPS listener with overrideServiceUrl.
// Run by compat_test.go (TestAmazonV2NodeSDK), or by hand:
//
//   KESSAI_BASE_URL=http://127.0.0.1:8080 KESSAI_TLS_HOST=127.0.0.1:8443 \
//   KESSAI_SECRET_KEY=sk_test_... node --test amazonv2.test.mjs
//
// Each test makes an RSA key pair, registers its public key with kessai
// (POST /kessai/v1/amazon/public_keys) and signs with the private key,
// once with each algorithm. The SDK's key ids start with SANDBOX-, so it
// calls /v2/… and kessai tells its requests from PAY.JP's by the
// Authorization scheme.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Client = require('@amazonpay/amazon-pay-api-sdk-nodejs');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} must be set`);
  return v;
};
const baseUrl = env('KESSAI_BASE_URL');
const tlsHost = env('KESSAI_TLS_HOST');
const secretKey = env('KESSAI_SECRET_KEY');

// registerKey makes a key pair and registers its public key.
async function registerKey() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const res = await fetch(`${baseUrl}/kessai/v1/amazon/public_keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secretKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ public_key: publicKey }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.match(body.public_key_id, /^SANDBOX-[A-Z0-9]{24}$/);
  return { id: body.public_key_id, privateKey, merchantId: body.merchant_id, storeId: body.store_id };
}

function client(key, algorithm) {
  const config = { publicKeyId: key.id, privateKey: key.privateKey, region: 'jp', sandbox: true, overrideServiceUrl: tlsHost };
  if (algorithm) config.algorithm = algorithm;
  return new Client.WebStoreClient(config);
}

// rejection runs a call that must fail and returns Amazon's error.
async function rejection(promise) {
  try {
    const res = await promise;
    assert.fail(`expected an error, got ${res.status} ${JSON.stringify(res.data)}`);
  } catch (err) {
    if (!err.response) throw err;
    return { status: err.response.status, data: err.response.data };
  }
}

for (const algorithm of [undefined, 'AMZN-PAY-RSASSA-PSS-V2']) {
  const name = algorithm || 'AMZN-PAY-RSASSA-PSS (the default)';
  test(`${name}: a signed GET is verified and served`, async () => {
    const key = await registerKey();
    const res = await client(key, algorithm).getBuyer('buyer-token-1');
    assert.equal(res.status, 200);
    assert.match(res.data.buyerId, /^amzn1\.account\./);
    assert.equal(res.data.countryCode, 'JP');
    assert.ok(res.data.shippingAddress.postalCode);
  });

  test(`${name}: a signed query is verified`, async () => {
    const key = await registerKey();
    // A query string (merchantId) is signed sorted, and the SDK signs the
    // path before encoding it: verified, then kessai answers that it
    // serves no such operation (not a signature error).
    const err = await rejection(client(key, algorithm).getAuthorizationToken('token with spaces', key.merchantId));
    assert.equal(err.status, 404, JSON.stringify(err.data));
    assert.equal(err.data.reasonCode, 'ResourceNotFound');
  });

  test(`${name}: session, approval, complete, capture, partial refunds until Refunded`, async () => {
    const key = await registerKey();
    const c = client(key, algorithm);
    const idem = () => ({ 'x-amz-pay-idempotency-key': randomUUID().replaceAll('-', '').slice(0, 32) });
    let res = await c.createCheckoutSession({
      webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' },
      storeId: key.storeId, chargePermissionType: 'OneTime',
    }, idem());
    assert.equal(res.status, 201);
    const sessionId = res.data.checkoutSessionId;
    assert.equal(res.data.statusDetails.state, 'Open');
    assert.ok(res.data.buyer.buyerId);

    res = await c.updateCheckoutSession(sessionId, {
      webCheckoutDetails: { checkoutResultReturnUrl: 'https://shop.example/result' },
      paymentDetails: { paymentIntent: 'Authorize', chargeAmount: { amount: '10000', currencyCode: 'JPY' } },
      merchantMetadata: { merchantReferenceId: 'order-1', merchantStoreName: 'compat shop' },
    });
    assert.equal(res.status, 200);
    const redirect = res.data.webCheckoutDetails.amazonPayRedirectUrl;
    assert.ok(redirect.startsWith(`https://${tlsHost}/`), redirect);

    // The buyer approves on kessai's page (the form's POST, sent here).
    const approve = await fetch(redirect, { method: 'POST', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'payment_method=1111' });
    assert.equal(approve.status, 303);
    const back = new URL(approve.headers.get('location'));
    assert.equal(back.searchParams.get('amazonCheckoutSessionId'), sessionId);

    res = await c.completeCheckoutSession(sessionId, { chargeAmount: { amount: '10000', currencyCode: 'JPY' } });
    assert.equal(res.status, 200);
    assert.equal(res.data.statusDetails.state, 'Completed');
    const chargeId = res.data.chargeId;
    const permissionId = res.data.chargePermissionId;

    res = await c.getChargePermission(permissionId);
    assert.equal(res.data.statusDetails.state, 'Chargeable');
    assert.equal(res.data.limits.amountLimit.amount, '10000');

    res = await c.captureCharge(chargeId, { captureAmount: { amount: '10000', currencyCode: 'JPY' } }, idem());
    assert.equal(res.status, 200);
    assert.equal(res.data.statusDetails.state, 'Captured');

    const refunds = [];
    for (const amount of ['4000', '2500']) {
      res = await c.createRefund({ chargeId, refundAmount: { amount, currencyCode: 'JPY' } }, idem());
      assert.equal(res.status, 201);
      assert.equal(res.data.statusDetails.state, 'RefundInitiated');
      refunds.push(res.data.refundId);
    }
    // More than captured + 15 % is refused.
    const over = await rejection(c.createRefund({ chargeId, refundAmount: { amount: '5001', currencyCode: 'JPY' } }, idem()));
    assert.equal(over.status, 400);
    assert.equal(over.data.reasonCode, 'TransactionAmountExceeded');

    for (const refundId of refunds) {
      let state;
      for (let i = 0; i < 40 && state !== 'Refunded'; i++) {
        res = await c.getRefund(refundId);
        state = res.data.statusDetails.state;
        if (state !== 'Refunded') await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(state, 'Refunded', `refund ${refundId}`);
    }
    res = await c.getCharge(chargeId);
    assert.equal(res.data.refundedAmount.amount, '6500');
  });

  test(`${name}: another private key is refused with InvalidRequestSignature`, async () => {
    const key = await registerKey();
    const other = await registerKey();
    const err = await rejection(client({ ...key, privateKey: other.privateKey }, algorithm).getBuyer('t'));
    assert.equal(err.status, 403);
    assert.equal(err.data.reasonCode, 'InvalidRequestSignature');
    assert.ok(err.data.message);
  });
}

test('a revoked key is refused with UnauthorizedAccess', async () => {
  const key = await registerKey();
  const res = await fetch(`${baseUrl}/kessai/v1/amazon/public_keys/${key.id}`, {
    method: 'DELETE', headers: { Authorization: `Bearer ${secretKey}` },
  });
  assert.equal(res.status, 200);
  const err = await rejection(client(key).getBuyer('t'));
  assert.equal(err.status, 401);
  assert.equal(err.data.reasonCode, 'UnauthorizedAccess');
});
