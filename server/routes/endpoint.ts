import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { endpoints, type AnswerOf, type EndpointKey, type EndpointSpec, type InputSchemaOf, type ParamsOf, type PathOf } from '../contracts/endpoints.js';
import { parseInput } from '../validate.js';
import { noteRefusalPlace } from '../middleware/audit-refusals.js';

/** What a handler gets: the request (its path parameters typed from the key), the response, and its input. */
export interface Call<K extends EndpointKey> {
  req: Request<ParamsOf<PathOf<K>>>;
  res: Response;
  /**
   * The request's body (or query string) read with the endpoint's own schema: `validation_failed`
   * when it does not fit. A call, so a handler reads it after deciding who is asking (401 before 400).
   */
  input(): InputSchemaOf<K> extends z.ZodType ? z.output<InputSchemaOf<K>> : undefined;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Serve one endpoint of `contracts/endpoints.ts`: registered at its method and path, the handler
 * returns exactly the envelope the map declares (the compiler checks it), sent with the map's
 * status (a handler may set another first: a replayed create answers 200). `before` runs first
 * (for a raw-body reader). A 204 answers no body.
 */
export function serve<K extends EndpointKey>(r: Router, key: K, handler: (call: Call<K>) => Promise<AnswerOf<K>> | AnswerOf<K>, ...before: RequestHandler[]) {
  const spec: EndpointSpec = endpoints[key];
  const [method, path] = key.split(' ') as [string, string];
  const schema = spec.body ?? spec.query;
  const source = spec.body ? 'body' : 'query';
  r[method.toLowerCase() as Method](path, ...before, async (req: Request, res: Response) => {
    res.status(spec.status ?? 200);
    const input = () => (schema ? parseInput(schema, req[source]) : undefined);
    let answer: AnswerOf<K>;
    try {
      answer = await handler({ req: req as Call<K>['req'], res, input: input as Call<K>['input'] });
    } catch (err) {
      noteRefusalPlace(err, `${method} ${req.baseUrl}${path}`, req.params); // for its audit row (the params are gone once it leaves the router)
      throw err;
    }
    if (res.statusCode === 204) res.end();
    else res.json(answer);
  });
}
