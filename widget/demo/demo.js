// The host page's side of the embed: where the widget gets its JWT. A real site would return
// the signed-in user's token here; the demo backend hands out a short-lived demo token.
async function getToken() {
  const res = await fetch('/demo/token', { credentials: 'same-origin' });
  if (!res.ok) return null;
  const { token } = await res.json();
  return token;
}

// The shop's cart: lines of product, colour and quantity, shown in the page (as text: the
// assistant's arguments never become markup).
const PRODUCTS = ['mug', 't-shirt', 'poster'];
const cart = [];

function addToCart({ product, color, quantity }) {
  if (!PRODUCTS.includes(product)) throw new Error(`We do not sell "${product}".`);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 20) throw new Error('The quantity must be 1 to 20.');
  const shade = typeof color === 'string' && color.trim() ? color.trim().toLowerCase() : null;
  const line = cart.find((l) => l.product === product && l.color === shade);
  if (line) line.quantity += quantity;
  else cart.push({ product, color: shade, quantity });
  showCart();
  return { added: { product, color: shade, quantity }, cart: cart.map((l) => ({ ...l })) };
}

function showCart() {
  const items = document.getElementById('cart-items');
  items.replaceChildren(
    ...cart.map((l) => {
      const li = document.createElement('li');
      li.textContent = `${l.quantity} × ${l.color ? `${l.color} ` : ''}${l.product}`;
      return li;
    }),
  );
  const count = cart.reduce((n, l) => n + l.quantity, 0);
  document.getElementById('cart-count').textContent = `${count} ${count === 1 ? 'item' : 'items'}`;
  document.getElementById('cart-empty').hidden = cart.length > 0;
}

for (const button of document.querySelectorAll('[data-product]'))
  button.addEventListener('click', () =>
    addToCart({ product: button.dataset.product, color: button.dataset.color, quantity: 1 }),
  );

function configure() {
  const chat = window.PulseChat;
  chat.init({
    getToken,
    greeting: 'Hi! I can help with beans, brewing and orders.',
    starters: ['Which beans suit espresso?', 'How should I store coffee?', 'Do you ship to Germany?'],
  });

  // The assistant may fill the cart: a tool of this page, run here with the page's rights only.
  chat.registerTool('add_to_cart', {
    description: "Add a product from this shop to the visitor's cart",
    parameters: {
      type: 'object',
      properties: {
        product: { type: 'string', enum: PRODUCTS },
        color: { type: 'string', description: 'For mugs: blue, white or black; for T-shirts: brown or white' },
        quantity: { type: 'integer', minimum: 1, maximum: 20 },
      },
      required: ['product', 'quantity'],
    },
    execute: addToCart,
  });

  document.getElementById('ask').addEventListener('click', () => chat.send('Which of your coffees are decaf?'));

  const theme = document.getElementById('theme');
  theme.addEventListener('click', () => {
    const dark = theme.getAttribute('aria-pressed') !== 'true';
    theme.setAttribute('aria-pressed', String(dark));
    chat.init({ theme: dark ? 'dark' : 'light' });
  });

  const lang = document.getElementById('lang');
  lang.addEventListener('click', () => {
    const german = lang.getAttribute('aria-pressed') !== 'true';
    lang.setAttribute('aria-pressed', String(german));
    chat.init({ locale: german ? 'de' : 'en' });
  });
}

// The widget script is async, so it may run before or after this file.
if (window.PulseChat) configure();
else window.addEventListener('pulse-ready', configure, { once: true });
