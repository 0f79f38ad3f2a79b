/**
 * The generated deployment files: the Dockerfile read
 * with a Dockerfile parser, every YAML file parsed, the proxy configurations
 * and .dockerignore checked for the directives that matter. Schemas:
 * schemas.test.ts; nginx -t and Apache's configtest: proxies.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { NAME, copyArgs, dockerIgnore, dockerStages, generateProject, stage, type Stage } from './project.js';

let project = '';
let stages: Stage[] = [];

const read = (path: string) => readFileSync(join(project, path), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const yamlOf = (path: string): any => parseYaml(read(path));

beforeAll(() => {
  project = generateProject();
  stages = dockerStages(project);
});

describe('Dockerfile', () => {
  it('has deps, build and runtime stages on node:22-bookworm-slim', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'runtime']);
    expect(stage(stages, 'deps').from).toBe('node:22-bookworm-slim');
    expect(stage(stages, 'build').from).toBe('deps');
    expect(stage(stages, 'runtime').from).toBe('node:22-bookworm-slim');
  });

  it('installs build tools and runs npm ci in deps, builds then prunes dev dependencies in build', () => {
    const depsRuns = stage(stages, 'deps').commands.filter((c) => c.name === 'RUN').map((c) => String(c.args));
    expect(depsRuns.join('\n')).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(depsRuns).toContain('npm ci');
    const copies = stage(stages, 'deps').commands.filter((c) => c.name === 'COPY').flatMap((c) => copyArgs(c).sources);
    expect(copies).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'vendor']));
    const buildRun = stage(stages, 'build').commands.filter((c) => c.name === 'RUN').map((c) => String(c.args)).join(' && ');
    expect(buildRun).toMatch(/npm run build[\s\S]*npm prune --omit=dev/);
    // collectstatic at build time, with no secret: no ENV or ARG carries one.
    expect(buildRun).toContain('node dist/manage.js collectstatic --noinput');
    const declared = stages.flatMap((s) => s.commands.filter((c) => c.name === 'ENV' || c.name === 'ARG').map((c) => JSON.stringify(c.args)));
    expect(declared.join(' ')).not.toMatch(/SECRET|PASSWORD/);
  });

  it('runs as the non-root node user with NODE_ENV=production, EXPOSE 8000 and a node HEALTHCHECK on /healthz', () => {
    const runtime = stage(stages, 'runtime').commands;
    const env = Object.assign({}, ...runtime.filter((c) => c.name === 'ENV').map((c) => c.args as Record<string, string>));
    expect(env.NODE_ENV).toBe('production');
    const users = runtime.filter((c) => c.name === 'USER').map((c) => String(c.args).trim());
    expect(users.at(-1)).toBe('node');
    // USER comes before CMD and after every COPY, so files are copied --chown and the process is not root.
    const userIndex = runtime.findIndex((c) => c.name === 'USER');
    expect(runtime.findIndex((c) => c.name === 'CMD')).toBeGreaterThan(userIndex);
    for (const copy of runtime.filter((c) => c.name === 'COPY')) expect(copyArgs(copy).flags.chown).toBe('node:node');
    expect(runtime.filter((c) => c.name === 'EXPOSE').map((c) => String(c.args).trim())).toEqual(['8000']);
    const healthcheck = runtime.find((c) => c.name === 'HEALTHCHECK');
    expect(String(healthcheck?.args)).toMatch(/CMD \["node", "-e", ".*fetch\('http:\/\/127\.0\.0\.1:8000\/healthz'\)/);
    expect(String(healthcheck?.args)).not.toMatch(/curl|wget/);
  });

  it('starts node in exec form with the WSGI application on 0.0.0.0:8000', () => {
    const cmd = stage(stages, 'runtime').commands.filter((c) => c.name === 'CMD');
    expect(cmd).toHaveLength(1);
    expect(cmd[0]?.args).toEqual(['node', 'dist/manage.js', 'serve', `${NAME}.wsgi:application`, '--bind', '0.0.0.0:8000']);
    expect(stage(stages, 'runtime').commands.some((c) => c.name === 'ENTRYPOINT')).toBe(false);
  });

  it('puts the SQLite file where the node user may write it: in data/, not in /app, which WORKDIR leaves to root', () => {
    const runtime = stage(stages, 'runtime');
    const env = runtime.commands.filter((c) => c.name === 'ENV').map((c) => c.args as Record<string, string>);
    expect(env).toContainEqual({ DATABASE_URL: 'sqlite:////app/data/db.sqlite3' });
    const build = stage(stages, 'build').commands.filter((c) => c.name === 'RUN').map((c) => String(c.args));
    expect(build.some((run) => /\bmkdir -p data\b/.test(run))).toBe(true);
  });

  it('copies the pruned project tree from build: dist, production node_modules, templates and static of every app', () => {
    const copies = stage(stages, 'runtime').commands.filter((c) => c.name === 'COPY' || c.name === 'ADD').map(copyArgs);
    expect(copies.every((copy) => copy.flags.from === 'build')).toBe(true);
    expect(copies.map((copy) => copy.sources)).toContainEqual(['/app']);
  });

  it('bakes no secret in: no ENV or ARG mentions a secret, a key or a password, or a database URL but a SQLite file', () => {
    for (const command of stages.flatMap((s) => s.commands)) {
      if (command.name === 'ENV' || command.name === 'ARG') {
        expect(command.raw).not.toMatch(/SECRET|PASSWORD|TOKEN|_KEY/i);
        // A SQLite URL names a file and carries no credentials.
        expect(command.raw.replace(/^ENV DATABASE_URL=sqlite:\/\/\/[\w/.-]+$/, '')).not.toMatch(/DATABASE_URL/);
      }
      if (command.name === 'COPY') expect(command.raw).not.toMatch(/\.env(?!\.example)/);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, dependencies, build output, the local database and git out of the context', () => {
    const ignored = dockerIgnore(project);
    for (const path of ['node_modules', 'node_modules/x/index.js', 'dist', '.env', '.env.production', 'db.sqlite3', '.git', 'staticfiles', '.tsgate/template.lock.json']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['.env.example', 'package.json', 'package-lock.json', 'vendor', 'pages/templates/pages/welcome.html', 'static', 'Dockerfile']) {
      expect(ignored(path), path).toBe(false);
    }
  });
});

describe('docker-compose.yml', () => {
  it('with SQLite (the default): migrate and web share the database file in a volume', () => {
    const compose = yamlOf('docker-compose.yml');
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'migrate', 'prometheus', 'web', 'worker']);
    const { migrate, web, worker } = compose.services;
    expect(web.environment.DATABASE_URL).toBe('sqlite:////app/data/db.sqlite3');
    expect(migrate.volumes).toEqual(['data:/app/data']);
    expect(web.volumes).toEqual(['data:/app/data']);
    // The background-task worker: the same image, settings and database file, tasks in a table of it.
    expect(worker.command).toEqual(['node', 'dist/manage.js', 'worker']);
    expect(worker.environment).toEqual(web.environment);
    expect(web.environment.TASKS_URL).toBe('${TASKS_URL:-db://default}');
    expect(worker.volumes).toEqual(['data:/app/data']);
    expect(worker.depends_on.migrate.condition).toBe('service_completed_successfully');
    expect(worker.stop_grace_period).toBe('40s');
    expect(web.depends_on.migrate.condition).toBe('service_completed_successfully');
    expect(migrate.command).toEqual(['node', 'dist/manage.js', 'migrate', '--noinput']);
  });

  it('with --database postgres: web, PostgreSQL with a volume and a health check, and a one-shot migrate service web waits for', () => {
    const compose = parseYaml(readFileSync(join(generateProject(['--database', 'postgres']), 'docker-compose.yml'), 'utf8'));
    expect(Object.keys(compose.services).sort()).toEqual(['db', 'grafana', 'migrate', 'prometheus', 'web', 'worker']);
    const { db, migrate, web } = compose.services;

    expect(db.image).toMatch(/^postgres:16/);
    const [volume] = (db.volumes as string[])[0]?.split(':') ?? [];
    expect(Object.keys(compose.volumes)).toContain(volume);
    expect(db.healthcheck.test.join(' ')).toContain('pg_isready');

    expect(web.build).toBe('.');
    expect(web.ports).toContain('8000:8000');
    expect(web.environment.DEBUG).toBe('false');
    expect(web.environment.NODE_ENV).toBe('production');
    expect(web.environment.SECRET_KEY).toBe('${SECRET_KEY:?set SECRET_KEY}');
    expect(web.environment.ALLOWED_HOSTS).toBeTruthy();
    expect(web.environment.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@db:5432\//);
    // Plain HTTP on port 8000: no redirect, and cookies a browser sends back over it (each can be turned on behind TLS).
    for (const setting of ['SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE']) expect(web.environment[setting]).toBe(`\${${setting}:-false}`);
    expect(web.depends_on.db.condition).toBe('service_healthy');
    expect(web.depends_on.migrate.condition).toBe('service_completed_successfully');

    expect(migrate.command).toEqual(['node', 'dist/manage.js', 'migrate', '--noinput']);
    expect(migrate.environment).toEqual(web.environment);
    expect(migrate.depends_on.db.condition).toBe('service_healthy');
    expect(migrate.restart).toBe('no');
    expect(compose.services.worker.depends_on.db.condition).toBe('service_healthy');
  });

  it('with --services redis: a Redis with a volume and a health check that web and worker wait for, TASKS_URL on it', () => {
    const generated = generateProject(['--database', 'postgres', '--services', 'redis']);
    const compose = parseYaml(readFileSync(join(generated, 'docker-compose.yml'), 'utf8'));
    expect(Object.keys(compose.services).sort()).toEqual(['db', 'migrate', 'redis', 'web', 'worker']);
    const { redis, web, worker } = compose.services;
    expect(redis.image).toMatch(/^redis:7/);
    expect(redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(Object.keys(compose.volumes)).toContain((redis.volumes as string[])[0]?.split(':')[0]);
    expect(web.environment.TASKS_URL).toBe('${TASKS_URL:-redis://redis:6379/0}');
    for (const service of [web, worker]) expect(service.depends_on.redis.condition).toBe('service_healthy');
    const manifest = JSON.parse(readFileSync(join(generated, 'package.json'), 'utf8'));
    expect(manifest.dependencies['@redis/client']).toBeTruthy();
    expect(parseYaml(readFileSync(join(generated, 'deploy', 'k8s', 'worker.yaml'), 'utf8')).spec.template.spec.containers[0].env).toContainEqual({ name: 'TASKS_URL', value: 'redis://redis:6379/0' });
  });

  it('has an opt-in monitoring profile: Prometheus scraping web\'s unpublished metrics port with the alerts, Grafana with the dashboard', () => {
    const compose = yamlOf('docker-compose.yml');
    const { prometheus, grafana, web } = compose.services;
    expect(web.environment.METRICS_BIND).toBe('${METRICS_BIND:-0.0.0.0:9100}');
    expect(web.ports).toEqual(['8000:8000']);
    for (const service of [prometheus, grafana]) expect(service.profiles).toEqual(['monitoring']);
    const mounts = (service: { volumes: string[] }) => service.volumes.map((volume) => volume.split(':').slice(0, 2).join(':'));
    expect(mounts(prometheus)).toEqual(expect.arrayContaining(['./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml', './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml']));
    expect(mounts(grafana)).toEqual(expect.arrayContaining(['./deploy/grafana/dashboard.json:/var/lib/grafana/dashboards/tsgate.json']));
    const config = yamlOf('deploy/prometheus/prometheus.yml');
    expect(config.scrape_configs[0].static_configs[0].targets).toEqual(['web:9100']);
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(yamlOf('deploy/grafana/datasource.yml').datasources[0].url).toBe('http://prometheus:9090');
    expect(yamlOf('deploy/grafana/dashboards.yml').providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });
});

describe('Kubernetes manifests', () => {
  it('are all valid YAML with apiVersion, kind and a DNS-1123 name', () => {
    const files = readdirSync(join(project, 'deploy', 'k8s')).sort();
    expect(files).toEqual(['deployment.yaml', 'migrate-job.yaml', 'service.yaml', 'worker.yaml']);
    for (const file of files) {
      for (const document of parseAllDocuments(read(`deploy/k8s/${file}`))) {
        expect(document.errors, file).toEqual([]);
        const manifest = document.toJS();
        expect(manifest.apiVersion, file).toBeTruthy();
        expect(manifest.kind, file).toBeTruthy();
        expect(manifest.metadata.name, file).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      }
    }
  });

  it('Deployment: probes, resources, WEB_CONCURRENCY, secrets from a Secret, forwarded IPs, non-root', () => {
    const deployment = yamlOf('deploy/k8s/deployment.yaml');
    expect(deployment.kind).toBe('Deployment');
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.args).toEqual(['node', 'dist/manage.js', 'serve', `${NAME}.wsgi:application`, '--bind', '0.0.0.0:8000']);
    expect(container.ports[0].containerPort).toBe(8000);
    // Metrics on a named port of their own, announced to an annotation-discovering Prometheus.
    expect(container.ports[1]).toEqual({ name: 'metrics', containerPort: 9100 });
    expect(deployment.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100', 'prometheus.io/path': '/metrics' });
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    for (const kind of ['requests', 'limits']) {
      expect(container.resources[kind].cpu, kind).toBeTruthy();
      expect(container.resources[kind].memory, kind).toBeTruthy();
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const env: Record<string, any> = Object.fromEntries((container.env as { name: string }[]).map((e) => [e.name, e]));
    expect(env.NODE_ENV.value).toBe('production');
    expect(env.WEB_CONCURRENCY.value).toMatch(/^\d+$/);
    expect(env.ALLOWED_HOSTS.value).toBeTruthy();
    expect(env.FORWARDED_ALLOW_IPS.value).toBeTruthy();
    expect(env.METRICS_BIND.value).toBe('0.0.0.0:9100');
    for (const name of ['SECRET_KEY', 'DATABASE_URL']) {
      expect(env[name].value, name).toBeUndefined();
      expect(env[name].valueFrom.secretKeyRef, name).toEqual({ name: 'web-secrets', key: name });
    }
  });

  it('worker Deployment: manage worker with a graceful stop inside terminationGracePeriodSeconds, the same Secret and TASKS_URL as web', () => {
    const worker = yamlOf('deploy/k8s/worker.yaml');
    expect(worker.kind).toBe('Deployment');
    expect(worker.spec.selector.matchLabels).toEqual(worker.spec.template.metadata.labels);
    const pod = worker.spec.template.spec;
    const [container] = pod.containers;
    expect(container.args.slice(0, 3)).toEqual(['node', 'dist/manage.js', 'worker']);
    const graceful = Number(container.args[container.args.indexOf('--graceful-timeout') + 1]);
    expect(graceful).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(graceful);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const env: Record<string, any> = Object.fromEntries((container.env as { name: string }[]).map((e) => [e.name, e]));
    for (const name of ['SECRET_KEY', 'DATABASE_URL']) expect(env[name].valueFrom.secretKeyRef, name).toEqual({ name: 'web-secrets', key: name });
    expect(env.TASKS_URL.value).toBe('db://default');
    const web = yamlOf('deploy/k8s/deployment.yaml').spec.template.spec.containers[0].env as { name: string; value?: string }[];
    expect(web.find((e) => e.name === 'TASKS_URL')?.value).toBe('db://default');
  });

  it('Service selects the Deployment pods; the migrate Job runs once with the same Secret', () => {
    const deployment = yamlOf('deploy/k8s/deployment.yaml');
    const service = yamlOf('deploy/k8s/service.yaml');
    expect(service.kind).toBe('Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe(deployment.spec.template.spec.containers[0].ports[0].name);
    expect(service.spec.ports[1]).toEqual({ name: 'metrics', port: 9100, targetPort: 'metrics' });
    // The Prometheus Operator's ServiceMonitor (outside deploy/k8s/: it needs the operator's CRD) selects that Service's metrics port.
    const monitor = yamlOf('deploy/prometheus/servicemonitor.yaml');
    expect(monitor.kind).toBe('ServiceMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(monitor.spec.endpoints[0].port).toBe('metrics');

    const job = yamlOf('deploy/k8s/migrate-job.yaml');
    expect(job.kind).toBe('Job');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const [container] = job.spec.template.spec.containers;
    expect(container.args).toEqual(['node', 'dist/manage.js', 'migrate', '--noinput']);
    expect(container.env.find((e: { name: string }) => e.name === 'SECRET_KEY').valueFrom.secretKeyRef.name).toBe('web-secrets');
  });
});

describe('GitHub Actions workflow', () => {
  it('checks out, sets up node 22, installs, typechecks, checks for missing migrations, tests, builds, runs check --deploy in production, builds the image', () => {
    const text = read('.github/workflows/ci.yml');
    expect(text).toContain('${{ github.sha }}');
    expect(text).not.toContain('\\{{');
    const workflow = yamlOf('.github/workflows/ci.yml');
    const steps = Object.values(workflow.jobs as Record<string, { steps: { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }[] }>).flatMap((job) => job.steps);
    expect(steps.some((step) => step.uses?.startsWith('actions/checkout@'))).toBe(true);
    expect(steps.find((step) => step.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe(22);
    const runs = steps.map((step) => step.run ?? '');
    // A model changed without its migration fails the run before the tests.
    const order = ['npm ci', 'npm run typecheck', 'npm run manage -- makemigrations --check --noinput', 'npm run test', 'npm run build'].map((run) => runs.indexOf(run));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const check = steps.find((step) => step.run?.includes('node dist/manage.js check --deploy'));
    expect(check?.env?.NODE_ENV).toBe('production');
    expect(runs.indexOf(check?.run ?? '')).toBeGreaterThan(order.at(-1) ?? Infinity);
    expect(runs.some((run) => /^docker build\b.* \.$/.test(run))).toBe(true);
  });

  it('with --database postgres or mysql, the tests get that server as a service, and DATABASE_URL pointing at it', () => {
    for (const [database, image, url] of [
      ['postgres', /^postgres:16/, /^postgres:\/\/postgres:postgres@localhost:5432\//],
      ['mysql', /^mariadb:11/, /^mysql:\/\/root:root@127\.0\.0\.1:3306\//],
    ] as const) {
      const workflow = parseYaml(readFileSync(join(generateProject(['--database', database]), '.github', 'workflows', 'ci.yml'), 'utf8'));
      const services = Object.values(workflow.jobs.test.services as Record<string, { image: string; ports: string[] }>);
      expect(services.map((service) => service.image)).toEqual([expect.stringMatching(image)]);
      expect(workflow.jobs.test.env.DATABASE_URL).toMatch(url);
    }
    expect(yamlOf('.github/workflows/ci.yml').jobs.test.services).toBeUndefined();
  });
});

describe('the package manager chosen', () => {
  it('with --pm pnpm, the Dockerfile and the workflow install from pnpm-lock.yaml with pnpm, and prune with it', () => {
    const pnpmProject = generateProject(['--pm', 'pnpm']);
    const pnpmStages = dockerStages(pnpmProject);
    const deps = stage(pnpmStages, 'deps');
    const depsRuns = deps.commands.filter((c) => c.name === 'RUN').map((c) => String(c.args));
    expect(depsRuns).toEqual(expect.arrayContaining(['corepack enable', 'pnpm install --frozen-lockfile']));
    expect(depsRuns.join('\n')).not.toMatch(/\bnpm ci\b/);
    expect(deps.commands.filter((c) => c.name === 'COPY').flatMap((c) => copyArgs(c).sources)).toEqual(expect.arrayContaining(['package.json', 'pnpm-lock.yaml']));
    const buildRun = stage(pnpmStages, 'build').commands.filter((c) => c.name === 'RUN').map((c) => String(c.args)).join(' && ');
    expect(buildRun).toMatch(/pnpm build[\s\S]*pnpm prune --prod/);
    const workflow = parseYaml(readFileSync(join(pnpmProject, '.github', 'workflows', 'ci.yml'), 'utf8'));
    const runs = (workflow.jobs.test.steps as { run?: string }[]).map((step) => step.run ?? '');
    expect(runs).toEqual(expect.arrayContaining(['corepack enable', 'pnpm install --frozen-lockfile', 'pnpm typecheck', 'pnpm test', 'pnpm build']));
  });
});

describe('Procfile', () => {
  it('has a web process serving on $PORT and a release process', () => {
    const lines = read('Procfile').split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lines).toEqual([
      `web: node dist/manage.js serve ${NAME}.wsgi:application --bind 0.0.0.0:$PORT --forwarded-allow-ips '*'`,
      'release: node dist/manage.js migrate --noinput',
      'worker: node dist/manage.js worker',
    ]);
  });
});

describe('proxy configurations', () => {
  it('nginx: upstream, /static/ from STATIC_ROOT with immutable caching, forwarded headers, body limit', () => {
    const conf = read('deploy/nginx.conf');
    expect(conf).toMatch(/upstream \w+ \{\s*server 127\.0\.0\.1:8000;/);
    expect(conf).toMatch(/location \/static\/ \{[^}]*alias \/app\/staticfiles\/;/);
    expect(conf).toMatch(/\bmax;/);
    expect(conf).toContain('immutable');
    expect(conf).toMatch(/expires \$static_expires;/);
    expect(conf).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    expect(conf).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    expect(conf).toContain('proxy_set_header X-Forwarded-Host $host;');
    expect(conf).toContain('client_max_body_size 10m;');
    expect(conf).toMatch(/proxy_pass http:\/\/\w+;/);
    // Its syntax: `nginx -t` in proxies.test.ts.
  });

  it("apache: the seed's Alias /static and <Directory> grant, ProxyPass to the app, X-Forwarded-Proto", () => {
    const conf = read('deploy/apache.conf');
    expect(conf).toMatch(/^\s*Alias \/static \/app\/staticfiles\/$/m);
    expect(conf).toMatch(/<Directory \/app\/staticfiles>\s*\n\s*Require all granted/);
    const proxyPass = conf.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('ProxyPass '));
    expect(proxyPass).toEqual(['ProxyPass /static/ !', 'ProxyPass / http://127.0.0.1:8000/']);
    expect(conf).toContain('ProxyPassReverse / http://127.0.0.1:8000/');
    expect(conf).toMatch(/RequestHeader set X-Forwarded-Proto/);
    expect(conf).toContain('LimitRequestBody 10485760');
    // Its syntax: `apache2 -t` in proxies.test.ts.
  });
});

describe('README', () => {
  it('has a Deployment chapter with a section for each way to deploy', () => {
    const readme = read('README.md');
    const chapter = readme.slice(readme.indexOf('\n## Deployment\n'));
    expect(chapter.length).toBeGreaterThan(20);
    for (const section of ['Docker', 'docker compose', 'nginx', 'Apache', 'Kubernetes', 'Procfile platforms', 'GitHub Actions']) {
      expect(chapter, section).toContain(`\n### ${section}\n`);
    }
  });
});
