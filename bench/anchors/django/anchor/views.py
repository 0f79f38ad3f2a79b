"""The pages tsgate's benchmarks compare against, in the same shape."""
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render


def hello(request):
    return HttpResponse('Hello, world!\n', content_type='text/plain')


def times(count):
    return 'once' if count == 1 else f'{count} times'


def count_visit():
    """One UPDATE, one SELECT, as the generated project's countVisit()."""
    with connection.cursor() as cursor:
        cursor.execute('UPDATE pages_visit SET count = count + 1 WHERE id = 1')
        cursor.execute('SELECT count FROM pages_visit WHERE id = 1')
        return cursor.fetchone()[0]


def welcome(request):
    visits = request.session.get('visits', 0) + 1
    request.session['visits'] = visits
    return render(request, 'pages/welcome.html', {
        'project': 'anchor',
        'times': times(visits),
        'total': times(count_visit()),
        'name': request.session.get('name'),
        'scheme': request.scheme,
    })
