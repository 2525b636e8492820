from core.permissions import is_auditor, is_finance


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_finance": False, "is_auditor": False, "is_staff_reader": False}
    finance = is_finance(user)
    auditor = is_auditor(user)
    return {"is_finance": finance, "is_auditor": auditor, "is_staff_reader": finance or auditor}
