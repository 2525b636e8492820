"""The move from one portal login per holder to several keeps every existing link."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("holders", "0003_holder_name_index")]
AFTER = [("holders", "0004_holder_logins_several_per_holder")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_each_holders_portal_login_becomes_its_first_person():
    old = _migrate(BEFORE)
    User = old.get_model("auth", "User")
    Holder = old.get_model("holders", "Holder")
    demo = User.objects.create(username="holder", password="!")
    Holder.objects.create(name="Margaret A. Keller", kind="person", user=demo)
    Holder.objects.create(name="Lone Star Capital LP", kind="entity")
    try:
        new = _migrate(AFTER)
        HolderLogin = new.get_model("holders", "HolderLogin")
        assert list(HolderLogin.objects.values_list("holder__name", "user__username")) == [
            ("Margaret A. Keller", "holder")
        ]
        assert "user" not in {f.name for f in new.get_model("holders", "Holder")._meta.fields}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
