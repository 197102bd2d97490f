// Integration tests drive a real local stack; their polling helpers carry their own, shorter deadlines.
jest.setTimeout(30_000);
