// The fast lane: two shortcuts past Express's own request handling, kept in this one file because both lean on
// Express internals that are not public API (app.handle, app.router, app.request, app.response). listen() installs
// them on the app it serves; an app handed to supertest or to another server runs stock Express. Removing this file
// (with its call in server.ts and createApp's offer of the exact-path table in app.ts) leaves a slower mock that
// answers exactly the same.
//
// 1. Requests and responses are created with the app's Express prototypes (http.createServer's IncomingMessage and
//    ServerResponse options). Express's app.handle() otherwise swaps the prototype of every live request and response;
//    V8 then treats both as dictionary objects, and every later property access, in Node's http code and ours, is
//    slower: skipping the swap doubled evaluate throughput.
// 2. Requests for a path without parameters, spelled exactly as in the contract (POST /v1/evaluate, /v1/capture, the
//    token call…), go straight to their pipeline with the session stage before it and the error handler after it, as
//    the router would: one map lookup instead of the router's walk over every layer, which cost more than the whole
//    schema validation of an evaluate. Everything else (other spellings, HEAD, parameters, 404/405, /__admin) goes
//    through Express's router.

import { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { apiError } from '../errors/catalog.js';

/** The Express release line whose private API this file uses; test/fast-lane.test.ts fails when it changes. */
export const FAST_LANE_EXPRESS = '5.3';

/** What the app serves on the fast lane: createApp() fills it in, listen() uses it. */
export interface FastLaneRoutes {
  /** `${METHOD} ${path}` → the route's pipeline, for paths without parameters. */
  exact: Map<string, RequestHandler>;
  /** Runs before the pipeline (the session stage), as the app's first middleware does. */
  before: RequestHandler;
  /** Answers an error, as the app's error handler does. */
  fail: ErrorRequestHandler;
}

/** Express's private parts this file uses. */
interface ExpressInternals {
  handle(req: Request, res: Response, callback?: NextFunction): void;
  router: { handle(req: Request, res: Response, done: NextFunction): void };
  request: object;
  response: object;
}

/** On the prototypes of requests and responses born with an app's Express prototypes: that app. */
const BORN_EXPRESS = Symbol('born with Express prototypes');
type Born = { [BORN_EXPRESS]?: unknown };

const ROUTES = new WeakMap<Express, FastLaneRoutes>();
const INSTALLED = new WeakSet<Express>();

/** Remember what an app serves on the fast lane (createApp calls it; nothing changes until listen()). */
export function offerFastLane(app: Express, routes: FastLaneRoutes): void {
  ROUTES.set(app, routes);
}

/**
 * The request and response classes for `http.createServer(options, app)`: instances start out as what Express would
 * turn them into, so the hot path never changes a live object's prototype. One app per server.
 */
export function serverClasses(app: Express): {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
} {
  const { request, response } = app as unknown as ExpressInternals;
  class BornRequest extends IncomingMessage {}
  class BornResponse extends ServerResponse {}
  Object.setPrototypeOf(BornRequest.prototype, request);
  Object.setPrototypeOf(BornResponse.prototype, response);
  Object.defineProperty(BornRequest.prototype, BORN_EXPRESS, { value: app });
  Object.defineProperty(BornResponse.prototype, BORN_EXPRESS, { value: app });
  return {
    IncomingMessage: BornRequest,
    ServerResponse: BornResponse as unknown as typeof ServerResponse,
  };
}

/**
 * Put an app on the fast lane: returns the server classes to create its server with. Safe to call again for the
 * same app (a second listen()); an app createApp() did not build gets only the server classes.
 */
export function installFastLane(app: Express): ReturnType<typeof serverClasses> {
  const routes = ROUTES.get(app);
  if (routes && !INSTALLED.has(app)) {
    INSTALLED.add(app);
    dispatchExactPaths(app, routes);
  }
  return serverClasses(app);
}

function dispatchExactPaths(app: Express, { exact, before, fail: handleError }: FastLaneRoutes): void {
  const internals = app as unknown as ExpressInternals;
  const viaExpress = internals.handle.bind(app);
  internals.handle = (req, res, callback) => {
    const { url } = req;
    const query = url.indexOf('?');
    const handle = exact.get(`${req.method} ${query === -1 ? url : url.slice(0, query)}`);
    // A request made by another server (one app served by two, or classes made for another app) takes Express's way.
    const born = (req as Born)[BORN_EXPRESS] === app && (res as Born)[BORN_EXPRESS] === app;
    if (!handle && !born) return viaExpress(req, res, callback);
    req.res = res;
    res.req = req;
    if (!born) {
      Object.setPrototypeOf(req, internals.request);
      Object.setPrototypeOf(res, internals.response);
    }
    res.locals ??= Object.create(null);
    const fail = (error: unknown) => handleError(error, req, res, () => {});
    if (!handle)
      return internals.router.handle(
        req,
        res,
        callback ?? ((error?: unknown) => fail(error ?? apiError('404001'))),
      );
    req.originalUrl = url;
    req.baseUrl = '';
    req.params = {};
    before(req, res, (error?: unknown) => (error ? fail(error) : handle(req, res, fail)));
  };
}
