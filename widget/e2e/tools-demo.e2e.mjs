// The demo shop with no model at all (AI_PROVIDER=demo, as `npm start` runs offline): the demo
// provider calls the page's add_to_cart tool for "add two blue mugs to my cart", the widget runs
// it in the page, and the cart fills, in one answer with the step shown.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assistant, idle, openChat, openPage, send, useStack } from './harness.mjs';

let stack;
let browser;
useStack(
  (s, b) => {
    stack = s;
    browser = b;
  },
  { env: { AI_PROVIDER: 'demo' } },
);

describe('the demo shop, offline', () => {
  test('"add two blue mugs to my cart" fills the cart through the tool the page registered', async () => {
    const page = await openPage(browser, `${stack.api}/demo/`);
    await page.locator('#cart-count').getByText('0 items').waitFor();
    await openChat(page);
    await send(page, 'add two blue mugs to my cart');
    await assistant(page).getByText('2 blue mugs are in your cart').waitFor();
    await idle(page);

    assert.deepEqual(await page.locator('#cart-items li').allTextContents(), ['2 × blue mug']);
    assert.equal(await page.locator('#cart-count').textContent(), '2 items');
    assert.equal(await assistant(page).count(), 1, 'the call and the words after it are one answer');
    const step = page.locator('pulse-chat [part~=tool-step]');
    await step.getByText('add_to_cart').waitFor();
    await step.getByRole('img', { name: 'Done' }).waitFor();
    // No model was asked: everything came from the demo provider.
    assert.equal(stack.upstream.requests.length, 0);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
