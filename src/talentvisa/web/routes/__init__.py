from talentvisa.web.routes import (
    account,
    admin,
    applicant,
    employer,
    guidance,
    officer,
    public,
    settings,
    time_zone,
    whatif,
)

ROUTERS = [
    r.router for r in (public, account, applicant, officer, employer, admin, settings, guidance)
]
ROUTERS.append(whatif.router)
ROUTERS.append(time_zone.router)
