import { Type } from '@sinclair/typebox';

/** The error envelope (spec 00 §5.4) as a response schema; domain fields pass through. */
export const ErrorResponse = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    requestId: Type.String(),
  },
  { additionalProperties: true, title: 'Error' },
);
