import { path } from 'tsgate/http';
import { apiHello, hello, welcome } from './views.js';

export const urlpatterns = [
  path('', welcome, { name: 'welcome', methods: ['GET'] }),
  path('hello/', hello, { name: 'hello', methods: ['POST'] }),
  path('api/hello', apiHello, { name: 'api-hello', methods: ['GET', 'POST'] }),
];
