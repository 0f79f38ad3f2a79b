/**
 * File fields: bound to multipart data through a real request, each with
 * its own size and type limits on top of the server's, the message on the
 * field; an empty file input is no file.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { accepts, defineForm, formatBytes, isUploadedFile, type UploadedFile } from '../../src/runtime/forms/index.js';
import { createApplication, json, path, type Request } from '../../src/runtime/http/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { multipart, MULTIPART } from './helpers.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

const Upload = defineForm({
  fields: {
    title: { schema: v.pipe(v.string(), v.trim(), v.nonEmpty('Give it a title.')) },
    photo: { widget: 'file', maxBytes: 1000, accept: ['image/png', 'image/jpeg'], schema: v.custom<UploadedFile>(isUploadedFile, 'Choose a photo.') },
    attachments: { widget: 'file', multiple: true, accept: ['.pdf', 'text/*'], maxBytes: 50 },
  },
});

/** A view that binds the form to the request and answers what it made of it. */
async function view(request: Request) {
  const form = await Upload.bind(request);
  if (!form.isValid()) return json({ errors: form.errors }, 400);
  const { title, photo, attachments } = form.cleanedData;
  return json({ title, photo: [photo.filename, photo.contentType, photo.data.byteLength], attachments: attachments.map((file) => file.filename) });
}

const client = new Client(createApplication([path('upload/', view)], { errors: { debug: false, settings: () => ({}) } }));
const post = (parts: Parameters<typeof multipart>[0]) => client.post('/upload/', multipart(parts), { headers: MULTIPART });

describe('file fields', () => {
  it('binds the files of a multipart request to their fields', async () => {
    const response = await post([
      { name: 'title', value: 'Holiday' },
      { name: 'photo', filename: 'beach.png', type: 'image/png', value: PNG },
      { name: 'attachments', filename: 'plan.pdf', type: 'application/pdf', value: '%PDF-1.7' },
      { name: 'attachments', filename: 'notes.txt', type: 'text/plain', value: 'sun' },
    ]);
    expect(response.json()).toEqual({ title: 'Holiday', photo: ['beach.png', 'image/png', PNG.byteLength], attachments: ['plan.pdf', 'notes.txt'] });
  });

  it('puts a file over the field limit on the field, in sizes people read', async () => {
    const response = await post([
      { name: 'title', value: 'Holiday' },
      { name: 'photo', filename: 'huge.png', type: 'image/png', value: Buffer.alloc(1500) },
    ]);
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ errors: { photo: ['huge.png is 1.5 KB; files here can be at most 1 KB.'] } });
  });

  it('refuses a type the field does not accept, by declared type or by extension', async () => {
    const declared = await post([
      { name: 'title', value: 'x' },
      { name: 'photo', filename: 'page.html', type: 'text/html', value: '<script>' },
    ]);
    expect(declared.json()).toEqual({ errors: { photo: ['page.html is not a kind of file this field takes (image/png, image/jpeg).'] } });
    // Declared as an image, named as a page: both must be accepted.
    const disguised = await post([
      { name: 'title', value: 'x' },
      { name: 'photo', filename: 'page.html', type: 'image/png', value: PNG },
    ]);
    expect(disguised.status).toBe(400);
    expect(disguised.json()).toEqual({ errors: { photo: ['page.html is not a kind of file this field takes (image/png, image/jpeg).'] } });
  });

  it('treats an empty file input (no name, no bytes) as no file: the schema says it is missing', async () => {
    const response = await post([
      { name: 'title', value: '' },
      { name: 'photo', filename: '', type: 'application/octet-stream', value: '' },
    ]);
    expect(response.json()).toEqual({ errors: { title: ['Give it a title.'], photo: ['Choose a photo.'] } });
  });

  it('refuses two files for a one-file field, and checks each file of a multiple field', async () => {
    const two = await post([
      { name: 'title', value: 'x' },
      { name: 'photo', filename: 'a.png', type: 'image/png', value: PNG },
      { name: 'photo', filename: 'b.png', type: 'image/png', value: PNG },
    ]);
    expect(two.json()).toEqual({ errors: { photo: ['Send one value for this field, not 2.'] } });
    const many = await post([
      { name: 'title', value: 'x' },
      { name: 'photo', filename: 'a.png', type: 'image/png', value: PNG },
      { name: 'attachments', filename: 'ok.txt', type: 'text/plain', value: 'ok' },
      { name: 'attachments', filename: 'big.txt', type: 'text/plain', value: 'x'.repeat(51) },
    ]);
    expect(many.json()).toEqual({ errors: { attachments: ['big.txt is 51 bytes; files here can be at most 50 bytes.'] } });
  });

  it('answers a file over the server-wide multipart limit with 413 before any field limit', async () => {
    const response = await post([{ name: 'photo', filename: 'a.png', type: 'image/png', value: Buffer.alloc(10 * 1024 * 1024 + 1) }]);
    expect(response.status).toBe(413);
  });

  it('says the form needs a multipart <form>', () => {
    expect(Upload.unbound().isMultipart).toBe(true);
    expect(defineForm({ fields: { a: {} } }).unbound().isMultipart).toBe(false);
  });

  it('matches accept lists as browsers read them', () => {
    const file = (filename: string, contentType: string) => ({ filename, contentType });
    expect(accepts(file('a.PNG', 'image/png'), ['image/*'])).toBe(true);
    expect(accepts(file('a.png', 'image/png; charset=binary'), ['image/png'])).toBe(true);
    expect(accepts(file('data', 'text/csv'), ['text/csv'])).toBe(true); // no extension: the declared type decides
    expect(accepts(file('report.pdf', 'application/octet-stream'), ['.pdf'])).toBe(true);
    expect(accepts(file('a.exe', 'image/png'), ['image/png'])).toBe(false);
    expect(accepts(file('a.png', 'text/html'), ['image/*'])).toBe(false);
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(2_500_000)).toBe('2.5 MB');
  });
});
