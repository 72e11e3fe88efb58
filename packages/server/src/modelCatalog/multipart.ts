import { BadRequestError } from '../errors.js';

/** One part of a multipart/form-data body: a plain field or a file, either way its bytes. */
export interface FormPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/**
 * Parses a multipart/form-data body (RFC 7578) held in memory. The route's body limit has already
 * bounded its size; malformed framing is a 400 naming what is wrong.
 */
export function parseMultipart(body: Buffer, contentType: string): FormPart[] {
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const value = boundary?.[1] ?? boundary?.[2];
  if (!value) throw new BadRequestError('malformed multipart body: the content type has no boundary');
  const delimiter = Buffer.from(`--${value}`);
  let position = body.indexOf(delimiter);
  if (position < 0) throw new BadRequestError('malformed multipart body: boundary not found');
  const parts: FormPart[] = [];
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString() === '--') return parts;
    if (body.subarray(position, position + 2).toString() !== '\r\n') throw new BadRequestError('malformed multipart body: expected CRLF after a boundary');
    position += 2;
    const headerEnd = body.indexOf('\r\n\r\n', position);
    if (headerEnd < 0) throw new BadRequestError('malformed multipart body: part headers are not terminated');
    const headers = body.subarray(position, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new BadRequestError('malformed multipart body: missing closing boundary');
    parts.push({ ...disposition(headers), data: body.subarray(headerEnd + 4, next) });
    position = next + 2;
  }
}

function disposition(headers: string): { name: string; filename?: string } {
  const line = headers.split('\r\n').find((h) => /^content-disposition\s*:/i.test(h));
  if (!line) throw new BadRequestError('malformed multipart body: a part has no Content-Disposition header');
  const name = /;\s*name="([^"]*)"/i.exec(line)?.[1] ?? /;\s*name=([^;\s]+)/i.exec(line)?.[1];
  if (name === undefined) throw new BadRequestError('malformed multipart body: a part has no name');
  const filename = /;\s*filename="([^"]*)"/i.exec(line)?.[1];
  return filename === undefined ? { name } : { name, filename };
}
