# packaging.cmake - install to FHS paths and build a .deb with CPack.
#
#   cmake -B build && cmake --build build && cmake --install build
#       /usr/sbin/vxmirrord, /etc/vxmirror/vxmirror.yaml (conf/vxmirror-system.yaml),
#       /lib/systemd/system/vxmirrord.service, /etc/logrotate.d/vxmirror,
#       /usr/share/man/man8/vxmirrord.8.gz, /usr/share/man/man5/vxmirror.yaml.5.gz
#   cd build && cpack -G DEB          # vxmirror_<version>_<arch>.deb, same layout
#
# vxmirrord is a system service whose default config is /etc/vxmirror, so a
# fresh build directory installs to prefix /usr rather than CMake's
# /usr/local.  With another prefix the config, unit and logrotate snippet go
# under it and the installed unit is rewritten to match
# (cmake/install-system.cmake); the .deb is always prefix /usr.

if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
  include(GNUInstallDirs) # recompute the absolute paths (/usr gives /etc)
endif()

set(VX_SYSTEMD_UNITDIR "" CACHE PATH
    "Where vxmirrord.service goes (empty: /lib/systemd/system for prefix /usr, else <prefix>/lib/systemd/system)")

# Man pages, gzipped as Debian wants them (-n: reproducible).
set(_vx_mans)
foreach(page vxmirrord.8 vxmirror.yaml.5)
  set(_gz ${PROJECT_BINARY_DIR}/packaging/${page}.gz)
  add_custom_command(OUTPUT ${_gz}
    COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/man/${page} > ${_gz}
    DEPENDS ${PROJECT_SOURCE_DIR}/man/${page} VERBATIM)
  list(APPEND _vx_mans ${_gz})
endforeach()
add_custom_target(vx_manpages ALL DEPENDS ${_vx_mans})

install(TARGETS vxmirrord RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
# The config, the unit and the logrotate snippet: placed by prefix at install time.
install(CODE "set(VX_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(VX_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
  set(VX_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
  set(VX_UNITDIR \"${VX_SYSTEMD_UNITDIR}\")")
install(SCRIPT cmake/install-system.cmake)
install(FILES ${PROJECT_BINARY_DIR}/packaging/vxmirrord.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_BINARY_DIR}/packaging/vxmirror.yaml.5.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES README.md docs/config.md docs/alerts.md docs/runbook.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# --- CPack: one .deb -----------------------------------------------------------
# The conffiles and maintainer scripts go into the control archive.
# The .deb is always prefix /usr, so its conffiles are always in /etc.
file(WRITE ${PROJECT_BINARY_DIR}/packaging/deb/conffiles
     "/etc/vxmirror/vxmirror.yaml\n/etc/logrotate.d/vxmirror\n")
foreach(script postinst prerm postrm)
  configure_file(packaging/deb/${script} ${PROJECT_BINARY_DIR}/packaging/deb/${script} COPYONLY)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vxmirror)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "vxmirror maintainers <vxmirror@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "AWS Traffic Mirroring target: per-session pcaps and path-MTU black hole alerts")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "vxmirrord receives AWS VPC Traffic Mirroring (VXLAN, UDP 4789; GENEVE behind a\n\
Gateway Load Balancer), writes decapsulated, rotating pcaps per mirror session\n\
and raises JSON alerts about path-MTU black holes: DF packets larger than the\n\
path MTU, MSS values that exceed it, and oversized segments retransmitted with\n\
no ICMP error coming back.  Runs as a hardened systemd service with /healthz\n\
and Prometheus /metrics.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/vxmirror/vxmirror")
# Library dependencies from the binary itself (dpkg-shlibdeps, from dpkg-dev):
# libevent-2.1-7, libevent-pthreads-2.1-7, libpcap0.8, libjansson4, libyaml-0-2.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "jq, tcpdump, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/deb/conffiles ${PROJECT_BINARY_DIR}/packaging/deb/postinst
    ${PROJECT_BINARY_DIR}/packaging/deb/prerm ${PROJECT_BINARY_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON) # 0644 conffiles, 0755 scripts
include(CPack)

# Prometheus alerting rules and the Grafana dashboard (docs/runbook.md,
# section 9): /usr/share/vxmirror/vxmirror.rules.yml and vxmirror.json.
install(FILES packaging/prometheus/vxmirror.rules.yml packaging/grafana/vxmirror.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/vxmirror)
