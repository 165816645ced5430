# install-system.cmake - run by `cmake --install` and by CPack (install(SCRIPT)):
# the files whose place depends on the install prefix *at install time*, so
# the .deb (always prefix /usr) is right whatever prefix the build was
# configured with.
#
#   prefix /usr:   /etc/vxmirror/vxmirror.yaml, /etc/logrotate.d/vxmirror,
#                  /lib/systemd/system/vxmirrord.service (Debian 12's unit dir),
#                  /usr/lib/sysusers.d/vxmirror.conf
#   other prefix:  <prefix>/etc/..., <prefix>/lib/systemd/system/..., <prefix>/lib/sysusers.d/...
#
# The unit's /usr/sbin/vxmirrord and /etc/vxmirror/ are rewritten to match.
# Set by packaging.cmake: VX_SOURCE_DIR, VX_BINARY_DIR, VX_SBINDIR, VX_UNITDIR.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_etc /etc)
  set(_unitdir /lib/systemd/system)
  set(_sysusers /usr/lib/sysusers.d)
else()
  set(_etc ${CMAKE_INSTALL_PREFIX}/etc)
  set(_unitdir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  set(_sysusers ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d)
endif()
if(VX_UNITDIR)
  set(_unitdir ${VX_UNITDIR})
endif()
if(IS_ABSOLUTE "${VX_SBINDIR}")
  set(_sbin ${VX_SBINDIR})
else()
  set(_sbin ${CMAKE_INSTALL_PREFIX}/${VX_SBINDIR})
endif()

file(READ ${VX_SOURCE_DIR}/systemd/vxmirrord.service _unit)
string(REPLACE "/usr/sbin/vxmirrord" "${_sbin}/vxmirrord" _unit "${_unit}")
string(REPLACE "/etc/vxmirror/" "${_etc}/vxmirror/" _unit "${_unit}")
file(WRITE ${VX_BINARY_DIR}/packaging/unit/vxmirrord.service "${_unit}")

# file(INSTALL) puts $DESTDIR in front of each destination itself.
file(INSTALL ${VX_SOURCE_DIR}/conf/vxmirror-system.yaml DESTINATION ${_etc}/vxmirror
     RENAME vxmirror.yaml PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL ${VX_SOURCE_DIR}/packaging/vxmirror.logrotate DESTINATION ${_etc}/logrotate.d
     RENAME vxmirror PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL ${VX_BINARY_DIR}/packaging/unit/vxmirrord.service DESTINATION ${_unitdir}
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# The static user and group of the unit's User=/Group= (the postinst runs
# systemd-sysusers on it; after `cmake --install`, run it by hand).
file(INSTALL ${VX_SOURCE_DIR}/packaging/vxmirror.sysusers DESTINATION ${_sysusers}
     RENAME vxmirror.conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
