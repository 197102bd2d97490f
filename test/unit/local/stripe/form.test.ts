import { decodeForm, encodeForm, FormDecodeError } from '../../../../local/sandbox/stripe/form';

describe('decodeForm (Stripe v1 bracket notation)', () => {
  it('decodes scalars, nested hashes and indexed arrays as stripe-node sends them', () => {
    const body =
      'customer=cus_1&items[0][price]=price_starter_local&items[0][quantity]=1&items[1][price]=price_b' +
      '&metadata[customerId]=c-1&trial_settings[end_behavior][missing_payment_method]=pause&trial_end=1893456000';

    expect(decodeForm(body)).toEqual({
      customer: 'cus_1',
      items: [{ price: 'price_starter_local', quantity: '1' }, { price: 'price_b' }],
      metadata: { customerId: 'c-1' },
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      trial_end: '1893456000',
    });
  });

  it('accepts percent-encoded brackets and plus-encoded spaces', () => {
    expect(decodeForm('name=Ada+Lovelace&metadata%5Bnote%5D=a%26b%3Dc')).toEqual({ name: 'Ada Lovelace', metadata: { note: 'a&b=c' } });
  });

  it('appends with [] (curl style) and orders indexed arrays by index', () => {
    expect(decodeForm('expand[]=customer&expand[]=latest_invoice')).toEqual({ expand: ['customer', 'latest_invoice'] });
    expect(decodeForm('expand[1]=b&expand[0]=a')).toEqual({ expand: ['a', 'b'] });
  });

  it('fills the last element of a[][x] until x repeats (Rack)', () => {
    expect(decodeForm('items[][price]=p1&items[][quantity]=2&items[][price]=p2')).toEqual({
      items: [{ price: 'p1', quantity: '2' }, { price: 'p2' }],
    });
  });

  it('keeps empty values (Stripe unsets with them) and lets the last duplicate win', () => {
    expect(decodeForm('pause_collection=&metadata[a]=&email=a&email=b')).toEqual({ pause_collection: '', metadata: { a: '' }, email: 'b' });
  });

  it('decodes a URLSearchParams (GET and DELETE params in the query)', () => {
    expect(decodeForm(new URLSearchParams('limit=3&lookup_keys[0]=starter'))).toEqual({ limit: '3', lookup_keys: ['starter'] });
  });

  it.each([
    ['a[b]=1&a=2', 'a'],
    ['a=1&a[b]=2', 'a[b]'],
    ['a[0]=1&a[]=2', 'a[]'],
    ['a[0]=1&a[x]=2', 'a[x]'],
    ['a]=1', 'a]'],
    ['a[b][c][d][e][f][g][h][i]=1', 'a[b][c][d][e][f][g][h][i]'],
  ])('refuses %s with the parameter at fault', (body, param) => {
    expect(() => decodeForm(body)).toThrow(FormDecodeError);
    try {
      decodeForm(body);
    } catch (error) {
      expect((error as FormDecodeError).param).toBe(param);
    }
  });

  it('round-trips through encodeForm', () => {
    const params = { a: 'x y', items: [{ price: 'p', metadata: { k: 'v&w' } }], expand: ['customer'] };

    expect(decodeForm(encodeForm(params))).toEqual(params);
  });
});
