#!/usr/bin/env python3
"""Writes the hand-curated SKOS concept schemes of flowkg's shared namespaces.

The tables below are the source of truth for asset kinds, asset states and software; they were
seeded from what the public Attack Flow corpus names (assets, infrastructure, conditions, tools,
malware) and from the legacy 2022 format's `state` values. Run from the repository root:

    python3 namespaces/build_schemes.py

Each row: (local name, preferred label, alternative labels, hidden labels | ATT&CK ids).
Matching in flowkg uses all labels after normalisation (case, punctuation, plurals).
"""
from pathlib import Path

KINDS = [
    ("domain-controller", "domain controller", ["DC", "AD server", "Active Directory server"], ["domain contoller"]),
    ("active-directory", "Active Directory", ["AD domain", "Windows domain"], []),
    ("backup-server", "backup server", ["backup system", "backup appliance"], []),
    ("file-server", "file server", ["file share server", "file share", "NAS"], []),
    ("network-share", "network share", ["SMB share", "NetBIOS share"], []),
    ("admin-share", "Windows admin share", ["admin share", "administrative share", "ADMIN$", "C$"], ["D$", "E$", "IPC$"]),
    ("web-server", "web server", ["webserver", "web portal", "web application server", "Apache server", "IIS server"], []),
    ("mail-server", "mail server", ["Exchange server", "email server", "Microsoft Exchange"], []),
    ("sharepoint-server", "SharePoint server", ["SharePoint"], []),
    ("vpn-appliance", "VPN appliance", ["VPN", "SSL VPN", "VPN gateway", "VPN concentrator", "Ivanti Connect Secure", "Pulse Secure"], []),
    ("workstation", "workstation", ["laptop", "personal computer", "PC", "user workstation"], []),
    ("linux-server", "Linux server", ["Linux host"], []),
    ("database", "database", ["database server", "SQL server", "DB server"], []),
    ("virtualization-management", "virtualization management server", ["vCenter", "vCenter server", "V-Center server", "hypervisor", "ESXi server", "vSphere"], []),
    ("virtual-machine", "virtual machine", ["VM", "rogue VM"], []),
    ("cloud-environment", "cloud environment", ["AWS", "GCP", "Azure", "cloud management console", "cloud account"], []),
    ("kubernetes-dashboard", "Kubernetes dashboard", [], []),
    ("kubernetes-cluster", "Kubernetes cluster", [], []),
    ("container", "container", ["Kubernetes container", "Docker container"], []),
    ("user-account", "user account", ["domain account", "domain user account", "RDP account", "service account", "admin account", "administrator account", "privileged account"], []),
    ("credentials", "credentials", ["password", "NTLM hash", "password hash", "user credentials", "login credentials", "valid credentials"], ["creds", "hash"]),
    ("encrypted-data", "encrypted data", ["encrypted files", "encrypted file"], []),
    ("exfiltrated-data", "exfiltrated data", ["exfiltrated files", "stolen data"], []),
    ("sensitive-data", "sensitive data", ["customer data", "PII", "personal data", "guest data", "passport information", "cardholder data", "payment card data"], []),
    ("c2-server", "command and control server", ["C2", "C2 server", "command and control", "C&C server"], ["c2c server"]),
    ("malware-hosting", "malware hosting", ["file hosting domain", "file hosting service", "malicious URL", "payload server", "download server", "malware download server", "staging server"], []),
    ("c2-redirector", "C2 redirector", ["redirector", "C2 proxy", "redirector server"], []),
    ("proxy", "proxy", ["multi-hop proxy", "proxy server"], ["proxies"]),
    ("code-repository", "code repository", ["source code repository", "git repository"], []),
    ("pos-system", "point-of-sale system", ["POS", "POS system", "point of sale"], []),
    ("dns-server", "DNS server", [], []),
    ("monitoring-server", "monitoring server", ["Zabbix server"], []),
    ("update-server", "update server", [], []),
    ("exfiltration-server", "exfiltration server", ["exfil server", "drop server", "exfiltration destination"], []),
    ("identity-management", "identity management system", ["identity manager", "identity manager server", "IAM server", "identity and access management"], []),
    ("authentication-server", "authentication server", ["auth server", "SecurID server", "RSA SecurID server", "identity server"], []),
    ("pam-system", "privileged access management system", ["PAM solution", "Thycotic"], []),
    ("document", "document", ["Office document", "Word document", "Excel file", "PDF document", "maldoc"], []),
    ("network-segment", "network segment", ["DMZ", "DMZ segment", "internal network"], []),
    ("cryptocurrency-wallet", "cryptocurrency wallet", ["crypto wallet"], []),
    ("log-files", "log files", ["log file"], []),
    ("browser-data", "browser data", ["browser cookies"], []),
    ("messaging-workspace", "messaging workspace", ["Slack workspace"], []),
]

STATES = [
    ("compromised", "compromised", ["taken over", "infected"], ["compromise", "compromising", "gained control", "overtook"]),
    ("exposed", "exposed", ["publicly exposed", "exposed to the internet"], []),
    ("insecure", "insecure", ["unsecured", "unprotected", "misconfigured"], ["weak permission", "weak registry permission"]),
    ("vulnerable", "vulnerable", ["unpatched"], []),
    ("encrypted", "encrypted", [], ["encrypts", "encryption"]),
    ("exfiltrated", "exfiltrated", [], []),
    ("credentials-obtained", "credentials obtained", ["has credentials", "obtained credentials"],
     ["credentials", "passwords", "password hash", "NTLM hash", "stolen accounts"]),
    ("privileges-escalated", "privileges escalated", ["elevated privileges", "privilege escalation"],
     ["elevates privileges", "escalated", "SeDebugPrivilege", "SeTcbPrivilege", "administration privileges"]),
    ("lateral-movement", "moved laterally", ["lateral movement", "able to move laterally"], ["move laterally", "moving laterally"]),
    ("user-executed", "opened by the user", ["user execution"],
     ["user opens", "user clicks", "double-clicks", "user interaction", "user action", "users interacted", "user accepted",
      "user browses", "file opened", "file is opened", "phishing attempts successful"]),
    ("delivered", "delivered", ["downloaded", "dropped"], ["placed on", "downloads", "is dropped", "has been dropped"]),
    ("executed", "executed", ["runs"], ["executes", "execute", "is executed", "executing"]),
    ("command-and-control", "command and control established", ["C2 established"],
     ["C2 server", "connects to remote servers", "receives tasking"]),
    ("discovered", "discovered", ["identified", "enumerated"],
     ["discovers", "identifies", "enumerates", "obtains list", "evidence of"]),
    ("dormant", "dormant", ["went quiet", "waiting"], ["sleeps", "waited"]),
    ("wiped", "wiped", [], []),
]

SOFTWARE = [
    ("mimikatz", "Mimikatz", ["Invoke-Mimikatz"], ["S0002"]),
    ("psexec", "PsExec", ["PsExec64", "PSEXESVC"], ["S0029"]),
    ("cobalt-strike", "Cobalt Strike", ["CobaltStrike"], ["S0154"]),
    ("adfind", "AdFind", [], ["S0552"]),
    ("bloodhound", "BloodHound", ["SharpHound"], ["S0521"]),
    ("impacket", "Impacket", [], ["S0357"]),
    ("powersploit", "PowerSploit", [], ["S0194"]),
    ("nmap", "Nmap", [], []),
    ("ngrok", "Ngrok", [], ["S0508"]),
    ("teamviewer", "TeamViewer", [], []),
    ("anydesk", "AnyDesk", [], []),
    ("rclone", "Rclone", [], ["S1040"]),
    ("net", "Net", ["net user", "net group", "net localgroup"], ["S0039"]),
    ("netsh", "Netsh", [], ["S0108"]),
    ("nltest", "Nltest", [], ["S0359"]),
    ("dsquery", "dsquery", [], ["S0105"]),
    ("whoami", "whoami", [], ["S0097"]),
    ("ipconfig", "ipconfig", [], ["S0100"]),
    ("nslookup", "nslookup", [], []),
    ("netstat", "netstat", [], ["S0104"]),
    ("arp", "Arp", [], ["S0099"]),
    ("vssadmin", "vssadmin", [], []),
    ("rundll32", "rundll32", [], []),
    ("wmi", "Windows Management Instrumentation", ["WMI"], []),
    ("wmic", "WMIC", [], []),
    ("powershell", "PowerShell", ["pwsh"], []),
    ("fsutil", "fsutil", [], []),
    ("msiexec", "msiexec", [], []),
    ("installutil", "InstallUtil", [], []),
    ("auditpol", "auditpol", [], []),
    ("pscp", "PSCP", [], []),
    ("advanced-ip-scanner", "Advanced IP Scanner", ["advanced_ip_scanner"], []),
    ("pingcastle", "PingCastle", [], []),
    ("meterpreter", "Meterpreter", [], []),
    ("qakbot", "QakBot", ["QBot"], ["S0650"]),
    ("icedid", "IcedID", [], ["S0483"]),
    ("trickbot", "TrickBot", [], ["S0266"]),
    ("xmrig", "XMRig", [], []),
    ("conti", "Conti", [], ["S0575"]),
    ("revil", "REvil", ["Sodinokibi"], ["S0496"]),
    ("sunburst", "SUNBURST", [], ["S0559"]),
    ("teardrop", "TEARDROP", [], ["S0560"]),
    ("shamoon", "Shamoon", ["Disttrack"], ["S0140"]),
    ("virtualbox", "VirtualBox", [], []),
]


def esc(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def write_scheme(path, base, prefix, title, description, rows, last_is_notation=False):
    head = f"""# {title}: flowkg shared namespace <{base}>.
# GENERATED by namespaces/build_schemes.py from its tables; edit those, then rerun.
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix {prefix}: <{base}> .

<{base}> a skos:ConceptScheme ;
    dcterms:title "{esc(title)}"@en ;
    dcterms:description "{esc(description)}"@en ;
    owl:versionInfo "0.1.0" ;
    dcterms:license <https://www.apache.org/licenses/LICENSE-2.0> .
"""
    blocks = [head]
    for local, pref, alts, last in rows:
        parts = [f"{prefix}:{local} a skos:Concept", f"    skos:inScheme <{base}>", f'    skos:prefLabel "{esc(pref)}"@en']
        parts += [f'    skos:altLabel "{esc(a)}"@en' for a in alts]
        if last_is_notation:
            parts += [f'    skos:notation "{esc(n)}"' for n in last]
        else:
            parts += [f'    skos:hiddenLabel "{esc(h)}"@en' for h in last]
        blocks.append(" ;\n".join(parts) + " .\n")
    Path(path).write_text("\n".join(blocks), encoding="utf-8")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    write_scheme(here / "asset-kinds.ttl", "https://w3id.org/flowkg/ns/asset-kind/", "kind", "Asset kinds",
                 "Kinds of asset that an Attack Flow asset, infrastructure node or legacy asset is an occurrence of (af:assetKind).", KINDS)
    write_scheme(here / "states.ttl", "https://w3id.org/flowkg/ns/state/", "state", "Asset and attack states",
                 "States that conditions and legacy state properties express (af:expressesState).", STATES)
    write_scheme(here / "software.ttl", "https://w3id.org/flowkg/ns/software/", "software", "Software",
                 "Tools and malware: one concept per software, whatever a flow types it as (af:entity). skos:notation holds the ATT&CK software id.",
                 SOFTWARE, last_is_notation=True)
